-- Reverse of 017: drop the cohort function and table.
DROP FUNCTION IF EXISTS public.refresh_cohort_analysis(text, date);
DROP TABLE IF EXISTS public.cohort_analysis;
