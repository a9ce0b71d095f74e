-- Reverse of 004_subscriptions.
DROP TABLE IF EXISTS public.subscriptions;
DROP FUNCTION IF EXISTS public.apply_tier_limits();
DROP TYPE IF EXISTS public.subscription_status;
