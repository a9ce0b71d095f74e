-- Reverse of 004: drop the model catalog (its reference rows go with it).
DROP TABLE IF EXISTS public.ai_models;
