-- 009_create_templates: reusable content templates with preset tool inputs.
-- This migration carries 009 because it was a duplicate 004 in the original
-- project (004_create_templates.sql beside 004_add_favorites.sql); it depends
-- only on update_updated_at_column() from 001, so moving it after 008 changes
-- nothing else.

CREATE TABLE public.templates (
  id            uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  name          text        NOT NULL,
  description   text,
  slug          text        NOT NULL UNIQUE,
  tool_id       text        NOT NULL,
  preset_inputs jsonb       NOT NULL DEFAULT '{}'::jsonb,
  category      text        NOT NULL,
  tags          text[]      DEFAULT '{}',
  is_public     boolean     NOT NULL DEFAULT true,
  user_hash     text,
  use_count     integer     NOT NULL DEFAULT 0
);

COMMENT ON TABLE public.templates IS 'Reusable content templates with preset inputs';

CREATE INDEX idx_templates_tool_id   ON public.templates (tool_id);
CREATE INDEX idx_templates_category  ON public.templates (category);
CREATE INDEX idx_templates_slug      ON public.templates (slug);
CREATE INDEX idx_templates_tags      ON public.templates USING gin (tags);
CREATE INDEX idx_templates_use_count ON public.templates (use_count DESC);

CREATE TRIGGER update_templates_updated_at
  BEFORE UPDATE ON public.templates
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

-- Atomically counts one use of a template.
CREATE OR REPLACE FUNCTION public.increment_template_use_count(template_id uuid)
RETURNS void
LANGUAGE sql
SET search_path = ''
AS $$
  UPDATE public.templates
     SET use_count = use_count + 1
   WHERE id = template_id;
$$;

ALTER TABLE public.templates ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Service role has full access" ON public.templates
  FOR ALL TO service_role USING (true) WITH CHECK (true);

CREATE POLICY "Anonymous can read public" ON public.templates
  FOR SELECT TO anon USING (is_public = true);

CREATE POLICY "Anonymous can create" ON public.templates
  FOR INSERT TO anon WITH CHECK (true);

-- Known issue (fixed in 013): ownership is never compared.
CREATE POLICY "Users can update own" ON public.templates
  FOR UPDATE TO anon USING (user_hash IS NOT NULL) WITH CHECK (user_hash IS NOT NULL);

CREATE POLICY "Users can delete own" ON public.templates
  FOR DELETE TO anon USING (user_hash IS NOT NULL);
