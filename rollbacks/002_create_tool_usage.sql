-- Reverses 002_create_tool_usage.
DROP POLICY IF EXISTS "Service role can write" ON public.tool_usage;
DROP POLICY IF EXISTS "Anyone can read" ON public.tool_usage;
DROP FUNCTION IF EXISTS public.get_tool_stats();
DROP FUNCTION IF EXISTS public.increment_tool_usage(text);
DROP TABLE IF EXISTS public.tool_usage;
