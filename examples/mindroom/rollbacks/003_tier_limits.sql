-- Reverse of 003_tier_limits (the reference rows go with the table).
DROP TABLE IF EXISTS public.tier_limits;
DROP TYPE IF EXISTS public.subscription_tier;
