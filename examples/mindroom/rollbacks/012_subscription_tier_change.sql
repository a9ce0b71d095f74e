-- Reverse of 012_subscription_tier_change.
DROP TRIGGER IF EXISTS subscriptions_tier_change ON public.subscriptions;
DROP FUNCTION IF EXISTS public.handle_tier_change();
