-- Reverse of 015_rate_limits (dropping tier_limits removes its reference rows).
DROP FUNCTION IF EXISTS public.check_rate_limit(uuid, text);
DROP FUNCTION IF EXISTS public.is_self_or_service(uuid);
DROP TABLE IF EXISTS public.rate_limits;
DROP TABLE IF EXISTS public.tier_limits;
