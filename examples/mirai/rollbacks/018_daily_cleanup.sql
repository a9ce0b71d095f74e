-- Reverse of 018_daily_cleanup.
DROP FUNCTION IF EXISTS public.daily_cleanup();
