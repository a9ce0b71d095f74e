-- Reverse of 013: drop faqs.
DROP TABLE IF EXISTS public.faqs;
