-- Reverses 009_create_templates.
DROP POLICY IF EXISTS "Users can delete own" ON public.templates;
DROP POLICY IF EXISTS "Users can update own" ON public.templates;
DROP POLICY IF EXISTS "Anonymous can create" ON public.templates;
DROP POLICY IF EXISTS "Anonymous can read public" ON public.templates;
DROP POLICY IF EXISTS "Service role has full access" ON public.templates;
DROP FUNCTION IF EXISTS public.increment_template_use_count(uuid);
DROP TRIGGER IF EXISTS update_templates_updated_at ON public.templates;
DROP TABLE IF EXISTS public.templates;
