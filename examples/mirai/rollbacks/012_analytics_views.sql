-- Reverse of 012_analytics_views.
DROP VIEW IF EXISTS public.feature_usage;
DROP VIEW IF EXISTS public.active_users_summary;
