-- Reverse of 009: drop the usage functions and log table (its triggers go with it).
DROP FUNCTION IF EXISTS public.cleanup_api_usage_logs(interval);
DROP FUNCTION IF EXISTS public.check_api_key_rate_limit(uuid);
DROP TABLE IF EXISTS public.api_usage_logs;
DROP FUNCTION IF EXISTS public.api_usage_logs_rollup_to_key();
DROP FUNCTION IF EXISTS public.api_usage_logs_fill_from_key();
