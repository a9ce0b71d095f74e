-- Reverse of 010_analytics_events.
DROP FUNCTION IF EXISTS public.track_event(text, jsonb);
DROP TABLE IF EXISTS public.analytics_events;
