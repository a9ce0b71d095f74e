-- Reverse of 016: drop the summary view, tracking function, table and helpers.
DROP VIEW IF EXISTS public.conversion_funnel_summary;
DROP FUNCTION IF EXISTS public.track_funnel_step(uuid, text, text, jsonb, inet, text, text);
DROP TABLE IF EXISTS public.conversion_funnel_detailed;
DROP FUNCTION IF EXISTS public.conversion_funnel_fill_step();
DROP FUNCTION IF EXISTS public.funnel_step_order(text);
