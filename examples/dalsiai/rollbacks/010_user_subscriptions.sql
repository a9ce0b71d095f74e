-- Reverse of 010: drop the tier helper and user_subscriptions.
DROP FUNCTION IF EXISTS public.current_subscription_tier(uuid);
DROP TABLE IF EXISTS public.user_subscriptions;
