-- Reverse of 017_user_activity_summary.
DROP FUNCTION IF EXISTS public.get_user_activity_summary(uuid, integer);
