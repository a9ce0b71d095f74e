-- 007_usage_metrics: one row per instance per day: messages, per-agent,
-- per-tool and per-platform counts, performance, and the storage the instance
-- reported that day (the source for calculate_storage_usage()).
--
-- Not shown in the source document: the columns. Designed as jsonb maps
-- {"name": count} for agents, tools and platforms, which track_usage() increments.

CREATE TABLE public.usage_metrics (
  id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  instance_id              uuid NOT NULL REFERENCES public.instances (id) ON DELETE CASCADE,
  date                     date NOT NULL,
  messages_sent            integer NOT NULL DEFAULT 0 CHECK (messages_sent >= 0),
  messages_received        integer NOT NULL DEFAULT 0 CHECK (messages_received >= 0),
  agents_used              jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(agents_used) = 'object'),
  tools_used               jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(tools_used) = 'object'),
  platforms_active         jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(platforms_active) = 'object'),
  average_response_time_ms integer CHECK (average_response_time_ms >= 0),
  error_count              integer NOT NULL DEFAULT 0 CHECK (error_count >= 0),
  storage_used_mb          integer NOT NULL DEFAULT 0 CHECK (storage_used_mb >= 0),
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  UNIQUE (instance_id, date)
);

COMMENT ON TABLE public.usage_metrics IS 'Daily usage per instance, for limits, billing and monitoring';
COMMENT ON COLUMN public.usage_metrics.agents_used IS '{"agent name": messages handled}';
COMMENT ON COLUMN public.usage_metrics.platforms_active IS '{"platform": messages bridged}';

-- The UNIQUE (instance_id, date) index serves per-instance lookups; this one
-- serves the retention job.
CREATE INDEX usage_metrics_date_idx ON public.usage_metrics (date);

CREATE TRIGGER usage_metrics_set_updated_at
  BEFORE UPDATE ON public.usage_metrics
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
