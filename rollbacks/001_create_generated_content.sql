-- Reverses 001_create_generated_content.
DROP POLICY IF EXISTS "Users can read own content" ON public.generated_content;
DROP POLICY IF EXISTS "Anonymous can insert" ON public.generated_content;
DROP POLICY IF EXISTS "Service role has full access" ON public.generated_content;
DROP TRIGGER IF EXISTS update_generated_content_updated_at ON public.generated_content;
DROP TABLE IF EXISTS public.generated_content;
DROP FUNCTION IF EXISTS public.update_updated_at_column();
