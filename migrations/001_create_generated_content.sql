-- 001_create_generated_content: the core table holding every piece of
-- AI-generated content (history and analytics), the shared updated_at trigger
-- function, its indexes and row level security.
-- The source used uuid_generate_v4() (uuid-ossp); the built-in
-- gen_random_uuid() gives the same v4 UUIDs without the extension.

CREATE OR REPLACE FUNCTION public.update_updated_at_column()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

CREATE TABLE public.generated_content (
  id                uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  tool_id           text        NOT NULL,
  inputs            jsonb       NOT NULL,
  output            text        NOT NULL,
  provider          text        NOT NULL DEFAULT 'openai',
  execution_time_ms integer     NOT NULL DEFAULT 0,
  user_hash         text
);

COMMENT ON TABLE public.generated_content IS 'All AI-generated content, for history and analytics';
COMMENT ON COLUMN public.generated_content.user_hash IS 'Hashed user identifier (hex SHA-256 of the user id)';

CREATE INDEX idx_generated_content_tool_id    ON public.generated_content (tool_id);
CREATE INDEX idx_generated_content_created_at ON public.generated_content (created_at DESC);
CREATE INDEX idx_generated_content_user_hash  ON public.generated_content (user_hash)
  WHERE user_hash IS NOT NULL;

CREATE TRIGGER update_generated_content_updated_at
  BEFORE UPDATE ON public.generated_content
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

ALTER TABLE public.generated_content ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Service role has full access" ON public.generated_content
  FOR ALL TO service_role USING (true) WITH CHECK (true);

CREATE POLICY "Anonymous can insert" ON public.generated_content
  FOR INSERT TO anon WITH CHECK (true);

-- Known issue (fixed in 013): never compares the hash with the caller.
CREATE POLICY "Users can read own content" ON public.generated_content
  FOR SELECT TO anon USING (user_hash IS NOT NULL);
