-- Per-request API usage log, with the triggers that roll usage up onto the
-- key, the rate-limit check over the key's per-minute/hour/day limits, and
-- the retention cleanup.

CREATE TABLE public.api_usage_logs (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id               uuid REFERENCES public.users (id) ON DELETE SET NULL,
  api_key_id            uuid REFERENCES public.api_keys (id) ON DELETE SET NULL,
  endpoint              text NOT NULL,
  method                text NOT NULL DEFAULT 'POST'
                        CHECK (method IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD')),
  status_code           integer CHECK (status_code BETWEEN 100 AND 599),
  response_time_ms      integer CHECK (response_time_ms >= 0),
  request_size_bytes    integer CHECK (request_size_bytes >= 0),
  response_size_bytes   integer CHECK (response_size_bytes >= 0),
  ip_address            inet,
  tokens_used           integer NOT NULL DEFAULT 0 CHECK (tokens_used >= 0),
  cost_usd              numeric(12, 6) NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
  subscription_tier     text CHECK (subscription_tier IN ('free', 'pro', 'enterprise')),
  error_message         text,
  request_metadata      jsonb NOT NULL DEFAULT '{}'::jsonb,
  user_agent            text,
  rate_limit_remaining  integer,
  rate_limit_reset      timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX api_usage_logs_api_key_id_created_at_idx ON public.api_usage_logs (api_key_id, created_at DESC);
CREATE INDEX api_usage_logs_user_id_created_at_idx ON public.api_usage_logs (user_id, created_at DESC);
CREATE INDEX api_usage_logs_created_at_idx ON public.api_usage_logs (created_at);

ALTER TABLE public.api_usage_logs ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view their own API usage"
  ON public.api_usage_logs FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()));

-- Not shown in the source document: fills user_id and subscription_tier from
-- the key when the gateway leaves them out.
CREATE FUNCTION public.api_usage_logs_fill_from_key()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF NEW.api_key_id IS NOT NULL AND (NEW.user_id IS NULL OR NEW.subscription_tier IS NULL) THEN
    SELECT coalesce(NEW.user_id, k.user_id), coalesce(NEW.subscription_tier, k.subscription_tier)
      INTO NEW.user_id, NEW.subscription_tier
      FROM public.api_keys k WHERE k.id = NEW.api_key_id;
  END IF;
  RETURN NEW;
END;
$$;

-- Not shown in the source document: rolls each logged request up onto the key's
-- cumulative counters (total_requests, total_tokens_used, total_cost_usd, last_used_*).
CREATE FUNCTION public.api_usage_logs_rollup_to_key()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF NEW.api_key_id IS NOT NULL THEN
    UPDATE public.api_keys
       SET total_requests     = total_requests + 1,
           total_tokens_used  = total_tokens_used + NEW.tokens_used,
           total_cost_usd     = total_cost_usd + NEW.cost_usd,
           last_used_at       = greatest(last_used_at, NEW.created_at),
           last_used_ip       = CASE WHEN last_used_at IS NULL OR NEW.created_at >= last_used_at
                                     THEN NEW.ip_address ELSE last_used_ip END,
           last_used_endpoint = CASE WHEN last_used_at IS NULL OR NEW.created_at >= last_used_at
                                     THEN NEW.endpoint ELSE last_used_endpoint END
     WHERE id = NEW.api_key_id;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER api_usage_logs_fill_from_key
  BEFORE INSERT ON public.api_usage_logs
  FOR EACH ROW EXECUTE FUNCTION public.api_usage_logs_fill_from_key();

CREATE TRIGGER api_usage_logs_rollup_to_key
  AFTER INSERT ON public.api_usage_logs
  FOR EACH ROW EXECUTE FUNCTION public.api_usage_logs_rollup_to_key();

-- Not shown in the source document: the rate-limit check the gateway runs
-- before serving a request. Fixed windows (current minute, hour, day) counted
-- from api_usage_logs against the key's rate_limit_per_*; returns the window
-- with the fewest requests left, its reset time, and whether one more request
-- is allowed (an invalid key is never allowed: window 'key_invalid').
CREATE FUNCTION public.check_api_key_rate_limit(p_api_key_id uuid)
RETURNS TABLE (allowed boolean, window_name text, limit_value integer, used integer,
               remaining integer, reset_at timestamptz)
LANGUAGE plpgsql
STABLE
SET search_path = ''
AS $$
DECLARE
  k public.api_keys%ROWTYPE;
BEGIN
  SELECT * INTO k FROM public.api_keys WHERE id = p_api_key_id;
  IF NOT FOUND OR k.revoked_at IS NOT NULL OR NOT k.is_active
     OR (k.expires_at IS NOT NULL AND k.expires_at <= now()) THEN
    RETURN QUERY SELECT false, 'key_invalid'::text, 0, 0, 0, NULL::timestamptz;
    RETURN;
  END IF;

  RETURN QUERY
  WITH w(ord, name, lim, starts, resets) AS (
    VALUES (1, 'minute', k.rate_limit_per_minute, date_trunc('minute', now()), date_trunc('minute', now()) + interval '1 minute'),
           (2, 'hour',   k.rate_limit_per_hour,   date_trunc('hour', now()),   date_trunc('hour', now()) + interval '1 hour'),
           (3, 'day',    k.rate_limit_per_day,    date_trunc('day', now()),    date_trunc('day', now()) + interval '1 day')
  ), c AS (
    SELECT w.ord, w.name, w.lim, w.resets,
           (SELECT count(*)::integer FROM public.api_usage_logs l
             WHERE l.api_key_id = p_api_key_id AND l.created_at >= w.starts) AS n
      FROM w
  )
  SELECT c.n < c.lim, c.name, c.lim, c.n, greatest(c.lim - c.n, 0), c.resets
    FROM c
   ORDER BY greatest(c.lim - c.n, 0), c.ord
   LIMIT 1;
END;
$$;

-- Not shown in the source document: retention cleanup; deletes log rows older
-- than the given age (default 90 days) and returns how many it deleted.
CREATE FUNCTION public.cleanup_api_usage_logs(p_older_than interval DEFAULT interval '90 days')
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_count integer;
BEGIN
  DELETE FROM public.api_usage_logs WHERE created_at < now() - p_older_than;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END;
$$;

REVOKE EXECUTE ON FUNCTION public.check_api_key_rate_limit(uuid), public.cleanup_api_usage_logs(interval)
  FROM PUBLIC, anon, authenticated;
