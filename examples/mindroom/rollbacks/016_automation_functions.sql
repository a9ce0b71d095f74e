-- Reverse of 016_automation_functions.
DROP FUNCTION IF EXISTS public.auto_pause_inactive_instances();
DROP FUNCTION IF EXISTS public.cleanup_expired_data();
DROP FUNCTION IF EXISTS public.calculate_storage_usage(uuid);
DROP FUNCTION IF EXISTS public.reset_daily_usage();
