-- Reverses 011_create_remix_history.
DROP POLICY IF EXISTS "Service role can manage" ON public.remix_history;
DROP POLICY IF EXISTS "Users can view own" ON public.remix_history;
DROP TABLE IF EXISTS public.remix_history;
