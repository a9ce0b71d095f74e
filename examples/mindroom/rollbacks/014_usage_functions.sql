-- Reverse of 014_usage_functions.
DROP FUNCTION IF EXISTS public.get_billing_metrics(uuid, date, date);
DROP FUNCTION IF EXISTS public.check_usage_limits(uuid);
DROP FUNCTION IF EXISTS public.track_usage(uuid, text, text, text, text);
