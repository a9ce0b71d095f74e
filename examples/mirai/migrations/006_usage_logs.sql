-- 006_usage_logs: per-API-call usage tracking (tokens, model, response time)
-- and the pre-computed daily summaries the dashboard reads.

-- Not detailed in the source document ("request/response metadata, token
-- consumption, model used, response time"): designed as one row per model call.
CREATE TABLE public.usage_logs (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  conversation_id   uuid REFERENCES public.conversations (id) ON DELETE SET NULL,
  message_id        uuid REFERENCES public.chat_messages (id) ON DELETE SET NULL,
  model             text NOT NULL,
  endpoint          text NOT NULL DEFAULT 'chat.completions',
  prompt_tokens     integer NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
  completion_tokens integer NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
  total_tokens      integer GENERATED ALWAYS AS (prompt_tokens + completion_tokens) STORED,
  response_time_ms  integer CHECK (response_time_ms >= 0),
  status_code       integer,
  request_metadata  jsonb NOT NULL DEFAULT '{}'::jsonb,
  response_metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idx_usage_logs_user_id_created_at ON public.usage_logs (user_id, created_at DESC);
CREATE INDEX idx_usage_logs_created_at ON public.usage_logs (created_at);

CREATE TABLE public.usage_daily_aggregates (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id              uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  usage_date           date NOT NULL,
  model                text NOT NULL,
  message_count        integer NOT NULL DEFAULT 0 CHECK (message_count >= 0),
  prompt_tokens        bigint NOT NULL DEFAULT 0,
  completion_tokens    bigint NOT NULL DEFAULT 0,
  total_tokens         bigint NOT NULL DEFAULT 0,
  avg_response_time_ms integer,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, usage_date, model)
);

CREATE INDEX idx_usage_daily_aggregates_date ON public.usage_daily_aggregates (usage_date);

CREATE TRIGGER set_usage_daily_aggregates_updated_at
  BEFORE UPDATE ON public.usage_daily_aggregates
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- Not shown in the source document: designed as the job that fills
-- usage_daily_aggregates for one UTC day from usage_logs (one row per user and
-- model, upserted so it can be re-run). Returns the number of rows written.
-- daily_cleanup() calls it for yesterday.
CREATE FUNCTION public.refresh_usage_daily_aggregates(
  p_date date DEFAULT ((now() AT TIME ZONE 'UTC')::date - 1)
)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_rows integer;
BEGIN
  INSERT INTO public.usage_daily_aggregates AS a
         (user_id, usage_date, model, message_count, prompt_tokens,
          completion_tokens, total_tokens, avg_response_time_ms)
  SELECT l.user_id, p_date, l.model, count(*)::integer,
         sum(l.prompt_tokens), sum(l.completion_tokens), sum(l.total_tokens),
         round(avg(l.response_time_ms))::integer
  FROM public.usage_logs AS l
  WHERE l.created_at >= (p_date::timestamp AT TIME ZONE 'UTC')
    AND l.created_at <  ((p_date + 1)::timestamp AT TIME ZONE 'UTC')
  GROUP BY l.user_id, l.model
  ON CONFLICT (user_id, usage_date, model) DO UPDATE
     SET message_count        = EXCLUDED.message_count,
         prompt_tokens        = EXCLUDED.prompt_tokens,
         completion_tokens    = EXCLUDED.completion_tokens,
         total_tokens         = EXCLUDED.total_tokens,
         avg_response_time_ms = EXCLUDED.avg_response_time_ms;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  RETURN v_rows;
END;
$$;

REVOKE EXECUTE ON FUNCTION public.refresh_usage_daily_aggregates(date) FROM PUBLIC, anon, authenticated;

-- Row level security: users read their own usage; only the server writes.
ALTER TABLE public.usage_logs ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view own usage logs"
  ON public.usage_logs FOR SELECT TO authenticated
  USING ((select auth.uid()) = user_id);

ALTER TABLE public.usage_daily_aggregates ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view own daily usage"
  ON public.usage_daily_aggregates FOR SELECT TO authenticated
  USING ((select auth.uid()) = user_id);
