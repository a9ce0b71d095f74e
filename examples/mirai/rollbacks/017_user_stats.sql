-- Reverse of 017_user_stats.
DROP FUNCTION IF EXISTS public.get_user_stats(uuid);
