-- Reverse of 007_billing_history.
DROP TRIGGER IF EXISTS log_subscription_change ON public.user_profiles;
DROP FUNCTION IF EXISTS public.log_subscription_change();
DROP TABLE IF EXISTS public.payment_history;
DROP TABLE IF EXISTS public.subscription_history;
