-- Reverse of 006_usage_logs.
DROP FUNCTION IF EXISTS public.refresh_usage_daily_aggregates(date);
DROP TABLE IF EXISTS public.usage_daily_aggregates;
DROP TABLE IF EXISTS public.usage_logs;
