-- Reverse of 006: drop the key check, api_keys and the tier ranking helper.
DROP FUNCTION IF EXISTS public.verify_api_key(text, inet);
DROP TABLE IF EXISTS public.api_keys;
DROP FUNCTION IF EXISTS public.subscription_tier_rank(text);
