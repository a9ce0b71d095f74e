-- Reverse of 010_api_keys.
DROP TABLE IF EXISTS public.api_keys;
