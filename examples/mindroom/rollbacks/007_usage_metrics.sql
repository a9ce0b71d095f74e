-- Reverse of 007_usage_metrics.
DROP TABLE IF EXISTS public.usage_metrics;
