-- Reverses 007_usage_quotas (the default tier rows go with their table).
DROP POLICY IF EXISTS "Service role can manage" ON public.usage_records;
DROP POLICY IF EXISTS "Users can view own" ON public.usage_records;
DROP POLICY IF EXISTS "Service role can manage" ON public.user_quotas;
DROP POLICY IF EXISTS "Users can view own" ON public.user_quotas;
DROP POLICY IF EXISTS "Service role can manage" ON public.tier_limits;
DROP POLICY IF EXISTS "Anyone can read" ON public.tier_limits;
DROP FUNCTION IF EXISTS public.get_usage_breakdown(text, timestamptz, timestamptz);
DROP FUNCTION IF EXISTS public.reset_expired_quotas();
DROP FUNCTION IF EXISTS public.increment_user_usage(text, text, integer, jsonb);
DROP FUNCTION IF EXISTS public.check_quota_available(text);
DROP FUNCTION IF EXISTS public.get_daily_usage(text);
DROP FUNCTION IF EXISTS public.get_current_month_usage(text);
DROP TRIGGER IF EXISTS update_user_quotas_updated_at ON public.user_quotas;
DROP TRIGGER IF EXISTS update_tier_limits_updated_at ON public.tier_limits;
DROP TABLE IF EXISTS public.usage_records;
DROP TABLE IF EXISTS public.user_quotas;
DROP TABLE IF EXISTS public.tier_limits;
