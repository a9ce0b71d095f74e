-- Reverse of 018: drop the flag functions and feature_flags (its rows go with it).
DROP FUNCTION IF EXISTS public.is_feature_enabled(text, uuid);
DROP FUNCTION IF EXISTS public.feature_flag_bucket(text, uuid);
DROP TABLE IF EXISTS public.feature_flags;
