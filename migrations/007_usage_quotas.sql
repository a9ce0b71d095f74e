-- 007_usage_quotas: subscription tiers and their limits (with the default tier
-- rows the application needs), each user's quota period, individual usage
-- events, and the quota functions (check, record atomically, reset, report).
-- Usage is counted as generations (one usage_records row each); tokens are
-- reported alongside. user_id is the application user id as text (the
-- Supabase auth uid for signed-in users), so RLS compares it with
-- auth.uid()::text (the document's "user_id = auth.uid()" cannot compare
-- text with uuid as written).

CREATE TABLE public.tier_limits (
  tier          text          NOT NULL PRIMARY KEY,
  monthly_limit integer       NOT NULL,
  daily_limit   integer       NOT NULL DEFAULT -1,
  features      text[]        NOT NULL DEFAULT '{}',
  price_monthly numeric(10,2) NOT NULL DEFAULT 0,
  price_yearly  numeric(10,2) NOT NULL DEFAULT 0,
  description   text,
  updated_at    timestamptz   NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.tier_limits IS 'Configurable tier limits and pricing (source of truth for quota enforcement)';
COMMENT ON COLUMN public.tier_limits.daily_limit IS 'Daily limit (-1 = unlimited)';

-- Default tier configuration from the document. The feature lists and
-- descriptions are not shown in the source document: designed from the
-- product's operation types.
INSERT INTO public.tier_limits (tier, monthly_limit, daily_limit, features, price_monthly, price_yearly, description) VALUES
  ('free',        5,  2, ARRAY['blog','tool'],
      0,    0, 'Try Blog AI: 5 generations a month'),
  ('starter',    50, 10, ARRAY['blog','tool','book','remix','brand_voice'],
     19,  190, 'For individual creators'),
  ('pro',       200, 50, ARRAY['blog','tool','book','remix','brand_voice','batch','images'],
     49,  490, 'For professionals and small teams'),
  ('business', 1000, -1, ARRAY['blog','tool','book','remix','brand_voice','batch','images','api_access','priority_support'],
    149, 1490, 'For agencies and businesses, no daily cap');

CREATE TABLE public.user_quotas (
  id           uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  user_id      text        NOT NULL UNIQUE,
  tier         text        NOT NULL DEFAULT 'free'
               CHECK (tier IN ('free', 'starter', 'pro', 'business'))
               REFERENCES public.tier_limits (tier) ON UPDATE CASCADE,
  period_start timestamptz NOT NULL DEFAULT date_trunc('month', now()),
  -- The document's default is "period_start + 1 month"; a default cannot read
  -- another column, so it is the end of the default period (the current month).
  period_end   timestamptz NOT NULL DEFAULT date_trunc('month', now()) + interval '1 month',
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.user_quotas IS 'User subscription tier and billing period';

CREATE TABLE public.usage_records (
  id             uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  user_id        text        NOT NULL,
  operation_type text        NOT NULL
                 CHECK (operation_type IN ('blog', 'book', 'batch', 'remix', 'tool', 'other')),
  tokens_used    integer     NOT NULL DEFAULT 0,
  "timestamp"    timestamptz NOT NULL DEFAULT now(),
  metadata       jsonb,
  created_at     timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.usage_records IS 'Individual content generation usage events';

CREATE INDEX idx_usage_records_user_time ON public.usage_records (user_id, "timestamp" DESC);
-- Not shown in the source document: the predicate. An index predicate must be
-- immutable (now() is not allowed), so "recent" is a fixed cut-off that
-- leaves pre-launch history out of the index.
CREATE INDEX idx_usage_records_recent ON public.usage_records (user_id, "timestamp")
  WHERE "timestamp" >= '2024-01-01 00:00:00+00'::timestamptz;

CREATE TRIGGER update_tier_limits_updated_at
  BEFORE UPDATE ON public.tier_limits
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

CREATE TRIGGER update_user_quotas_updated_at
  BEFORE UPDATE ON public.user_quotas
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

-- Usage in the user's current billing period. Not shown in the source
-- document: designed to use the user_quotas period, to roll an expired period
-- forward by whole months on the fly (before reset_expired_quotas has run),
-- and to use the calendar month for users without a quota row.
CREATE OR REPLACE FUNCTION public.get_current_month_usage(p_user_id text)
RETURNS TABLE (usage_count bigint, tokens_used bigint, period_start timestamptz, period_end timestamptz)
LANGUAGE plpgsql
STABLE
SET search_path = ''
AS $$
#variable_conflict use_column
DECLARE
  v_start timestamptz;
  v_end   timestamptz;
BEGIN
  SELECT q.period_start, q.period_end INTO v_start, v_end
    FROM public.user_quotas q
   WHERE q.user_id = p_user_id;

  IF NOT FOUND THEN
    v_start := date_trunc('month', now());
    v_end   := v_start + interval '1 month';
  END IF;
  WHILE v_end <= now() LOOP
    v_start := v_end;
    v_end   := v_end + interval '1 month';
  END LOOP;

  RETURN QUERY
    SELECT count(*)::bigint,
           coalesce(sum(r.tokens_used), 0)::bigint,
           v_start,
           v_end
      FROM public.usage_records r
     WHERE r.user_id = p_user_id
       AND r."timestamp" >= v_start
       AND r."timestamp" <  v_end;
END;
$$;

-- Number of usage events today (UTC day).
CREATE OR REPLACE FUNCTION public.get_daily_usage(p_user_id text)
RETURNS bigint
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT count(*)::bigint
    FROM public.usage_records r
   WHERE r.user_id = p_user_id
     AND r."timestamp" >= date_trunc('day', now(), 'UTC')
     AND r."timestamp" <  date_trunc('day', now(), 'UTC') + interval '1 day';
$$;

-- Whether the user may generate now, with the numbers behind the answer.
-- Users without a quota row are on the free tier. daily_limit -1 = unlimited
-- (daily_remaining is then -1 too).
CREATE OR REPLACE FUNCTION public.check_quota_available(p_user_id text)
RETURNS TABLE (
  user_id         text,
  tier            text,
  has_quota       boolean,
  current_usage   bigint,
  monthly_limit   integer,
  remaining       integer,
  daily_usage     bigint,
  daily_limit     integer,
  daily_remaining integer,
  period_start    timestamptz,
  period_end      timestamptz)
LANGUAGE plpgsql
STABLE
SET search_path = ''
AS $$
#variable_conflict use_column
DECLARE
  v_tier    text;
  v_monthly integer;
  v_daily   integer;
  v_used    bigint;
  v_today   bigint;
  v_start   timestamptz;
  v_end     timestamptz;
BEGIN
  SELECT q.tier INTO v_tier FROM public.user_quotas q WHERE q.user_id = p_user_id;
  v_tier := coalesce(v_tier, 'free');

  SELECT tl.monthly_limit, tl.daily_limit INTO v_monthly, v_daily
    FROM public.tier_limits tl WHERE tl.tier = v_tier;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no tier_limits row for tier %', v_tier;
  END IF;

  SELECT u.usage_count, u.period_start, u.period_end INTO v_used, v_start, v_end
    FROM public.get_current_month_usage(p_user_id) u;
  v_today := public.get_daily_usage(p_user_id);

  user_id         := p_user_id;
  tier            := v_tier;
  current_usage   := v_used;
  monthly_limit   := v_monthly;
  remaining       := greatest(v_monthly - v_used, 0)::integer;
  daily_usage     := v_today;
  daily_limit     := v_daily;
  daily_remaining := CASE WHEN v_daily = -1 THEN -1 ELSE greatest(v_daily - v_today, 0)::integer END;
  has_quota       := v_used < v_monthly AND (v_daily = -1 OR v_today < v_daily);
  period_start    := v_start;
  period_end      := v_end;
  RETURN NEXT;
END;
$$;

-- Records one usage event if (and only if) the user still has quota, as one
-- atomic step: the user's quota row is locked so concurrent requests cannot
-- both take the last generation. Not shown in the source document: designed
-- to create a free-tier quota row on first use, to persist the roll-forward of
-- an expired period, and to return success = false (recording nothing) when
-- the monthly or daily limit is reached.
CREATE OR REPLACE FUNCTION public.increment_user_usage(
  p_user_id        text,
  p_operation_type text,
  p_tokens_used    integer DEFAULT 0,
  p_metadata       jsonb   DEFAULT NULL)
RETURNS TABLE (
  success         boolean,
  tier            text,
  current_usage   bigint,
  monthly_limit   integer,
  remaining       integer,
  daily_usage     bigint,
  daily_limit     integer,
  usage_record_id uuid)
LANGUAGE plpgsql
SET search_path = ''
AS $$
#variable_conflict use_column
DECLARE
  v_start timestamptz;
  v_end   timestamptz;
  q       record;
  v_id    uuid;
BEGIN
  INSERT INTO public.user_quotas (user_id) VALUES (p_user_id)
  ON CONFLICT ON CONSTRAINT user_quotas_user_id_key DO NOTHING;

  SELECT uq.period_start, uq.period_end INTO v_start, v_end
    FROM public.user_quotas uq
   WHERE uq.user_id = p_user_id
   FOR UPDATE;

  IF v_end <= now() THEN
    WHILE v_end <= now() LOOP
      v_start := v_end;
      v_end   := v_end + interval '1 month';
    END LOOP;
    UPDATE public.user_quotas uq
       SET period_start = v_start, period_end = v_end
     WHERE uq.user_id = p_user_id;
  END IF;

  SELECT * INTO q FROM public.check_quota_available(p_user_id);

  tier          := q.tier;
  monthly_limit := q.monthly_limit;
  daily_limit   := q.daily_limit;

  IF NOT q.has_quota THEN
    success         := false;
    current_usage   := q.current_usage;
    remaining       := q.remaining;
    daily_usage     := q.daily_usage;
    usage_record_id := NULL;
    RETURN NEXT;
    RETURN;
  END IF;

  INSERT INTO public.usage_records (user_id, operation_type, tokens_used, metadata)
  VALUES (p_user_id, p_operation_type, coalesce(p_tokens_used, 0), p_metadata)
  RETURNING id INTO v_id;

  success         := true;
  current_usage   := q.current_usage + 1;
  remaining       := greatest(q.monthly_limit - (q.current_usage + 1), 0)::integer;
  daily_usage     := q.daily_usage + 1;
  usage_record_id := v_id;
  RETURN NEXT;
END;
$$;

-- Rolls every expired quota period forward by whole months (keeping the
-- billing anchor) and returns how many quota rows were reset. Run daily.
CREATE OR REPLACE FUNCTION public.reset_expired_quotas()
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  r       record;
  v_start timestamptz;
  v_end   timestamptz;
  n       integer := 0;
BEGIN
  FOR r IN
    SELECT uq.id, uq.period_start, uq.period_end
      FROM public.user_quotas uq
     WHERE uq.period_end <= now()
     FOR UPDATE
  LOOP
    v_start := r.period_start;
    v_end   := r.period_end;
    WHILE v_end <= now() LOOP
      v_start := v_end;
      v_end   := v_end + interval '1 month';
    END LOOP;
    UPDATE public.user_quotas
       SET period_start = v_start, period_end = v_end
     WHERE id = r.id;
    n := n + 1;
  END LOOP;
  RETURN n;
END;
$$;

-- Usage by operation type in [p_start_date, p_end_date). Not shown in the
-- source document: designed so that NULL bounds mean the current period.
CREATE OR REPLACE FUNCTION public.get_usage_breakdown(
  p_user_id    text,
  p_start_date timestamptz DEFAULT NULL,
  p_end_date   timestamptz DEFAULT NULL)
RETURNS TABLE (operation_type text, request_count bigint, total_tokens bigint)
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  WITH p AS (
    SELECT coalesce(p_start_date, c.period_start) AS s,
           coalesce(p_end_date,   c.period_end)   AS e
      FROM public.get_current_month_usage(p_user_id) c
  )
  SELECT r.operation_type,
         count(*)::bigint,
         coalesce(sum(r.tokens_used), 0)::bigint
    FROM public.usage_records r, p
   WHERE r.user_id = p_user_id
     AND r."timestamp" >= p.s
     AND r."timestamp" <  p.e
   GROUP BY r.operation_type
   ORDER BY count(*) DESC, r.operation_type;
$$;

ALTER TABLE public.tier_limits   ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.user_quotas   ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.usage_records ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Anyone can read" ON public.tier_limits
  FOR SELECT TO anon, authenticated, service_role USING (true);
CREATE POLICY "Service role can manage" ON public.tier_limits
  FOR ALL TO service_role USING (true) WITH CHECK (true);

CREATE POLICY "Users can view own" ON public.user_quotas
  FOR SELECT TO authenticated USING (user_id = (select auth.uid())::text);
CREATE POLICY "Service role can manage" ON public.user_quotas
  FOR ALL TO service_role USING (true) WITH CHECK (true);

CREATE POLICY "Users can view own" ON public.usage_records
  FOR SELECT TO authenticated USING (user_id = (select auth.uid())::text);
CREATE POLICY "Service role can manage" ON public.usage_records
  FOR ALL TO service_role USING (true) WITH CHECK (true);
