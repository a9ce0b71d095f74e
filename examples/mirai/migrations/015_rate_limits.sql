-- 015_rate_limits: per-plan daily limits (reference data), per-user daily
-- counters that reset at midnight UTC, and check_rate_limit() to enforce them.

-- Not shown in the source document as a table: the document gives the free
-- tier limits (100 messages, 10 new conversations per day) and says higher
-- plans get higher limits. Designed as reference rows; the pro numbers are
-- designed, enterprise is unlimited (NULL).
CREATE TABLE public.tier_limits (
  subscription_tier text NOT NULL CHECK (subscription_tier IN ('free', 'pro', 'enterprise')),
  limit_type        text NOT NULL CHECK (limit_type IN ('messages', 'conversations')),
  daily_limit       integer CHECK (daily_limit > 0),   -- NULL = unlimited
  PRIMARY KEY (subscription_tier, limit_type)
);

INSERT INTO public.tier_limits (subscription_tier, limit_type, daily_limit) VALUES
  ('free',       'messages',      100),
  ('free',       'conversations', 10),
  ('pro',        'messages',      1000),
  ('pro',        'conversations', 100),
  ('enterprise', 'messages',      NULL),
  ('enterprise', 'conversations', NULL);

CREATE TABLE public.rate_limits (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  limit_type   text NOT NULL CHECK (limit_type IN ('messages', 'conversations')),
  count        integer NOT NULL DEFAULT 0 CHECK (count >= 0),
  window_start timestamptz NOT NULL DEFAULT date_trunc('day', now(), 'UTC'),
  reset_at     timestamptz NOT NULL DEFAULT date_trunc('day', now(), 'UTC') + interval '1 day',
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, limit_type)
);

CREATE INDEX idx_rate_limits_reset_at ON public.rate_limits (reset_at);

-- Not shown in the source document: designed guard for functions that take a
-- user id. True for the user themself, for service_role and for direct
-- database sessions without JWT claims (SQL editor, scheduled jobs); false for
-- anon and for another signed-in user.
CREATE FUNCTION public.is_self_or_service(p_user_id uuid)
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT CASE
    WHEN (select auth.uid()) IS NOT NULL THEN (select auth.uid()) = p_user_id
    ELSE coalesce((select auth.role()), 'service_role') = 'service_role'
  END;
$$;

-- check_rate_limit(user_id, type): true when the action is allowed (and
-- counted), false when the daily limit is reached or the user is suspended.
-- Not shown in the source document (body): designed as check-and-consume in
-- one locked row; the window resets lazily once reset_at (next midnight UTC)
-- has passed; a canceled subscription falls back to free limits; reaching 80%
-- of a limit sends one limit_warning notification.
CREATE FUNCTION public.check_rate_limit(p_user_id uuid, p_limit_type text DEFAULT 'messages')
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_day_start timestamptz := date_trunc('day', now(), 'UTC');
  v_tier      text;
  v_limit     integer;
  v_row       public.rate_limits;
  v_count     integer;
BEGIN
  IF p_user_id IS NULL THEN
    RAISE EXCEPTION 'check_rate_limit: user id is required' USING ERRCODE = '22004';
  END IF;
  IF NOT public.is_self_or_service(p_user_id) THEN
    RAISE EXCEPTION 'check_rate_limit: cannot check another user''s limits' USING ERRCODE = '42501';
  END IF;
  IF p_limit_type IS NULL OR p_limit_type NOT IN ('messages', 'conversations') THEN
    RAISE EXCEPTION 'check_rate_limit: unknown limit type %', p_limit_type USING ERRCODE = '22023';
  END IF;

  IF public.is_user_suspended(p_user_id) THEN
    RETURN false;
  END IF;

  SELECT CASE WHEN p.subscription_status = 'canceled' THEN 'free' ELSE p.subscription_tier END
    INTO v_tier
  FROM public.user_profiles AS p
  WHERE p.id = p_user_id;
  v_tier := coalesce(v_tier, 'free');

  SELECT t.daily_limit INTO v_limit
  FROM public.tier_limits AS t
  WHERE t.subscription_tier = v_tier AND t.limit_type = p_limit_type;

  INSERT INTO public.rate_limits (user_id, limit_type, count, window_start, reset_at)
  VALUES (p_user_id, p_limit_type, 0, v_day_start, v_day_start + interval '1 day')
  ON CONFLICT (user_id, limit_type) DO NOTHING;

  SELECT * INTO v_row
  FROM public.rate_limits AS r
  WHERE r.user_id = p_user_id AND r.limit_type = p_limit_type
  FOR UPDATE;

  IF v_row.reset_at <= now() THEN
    UPDATE public.rate_limits AS r
       SET count = 0, window_start = v_day_start,
           reset_at = v_day_start + interval '1 day', updated_at = now()
     WHERE r.id = v_row.id;
    v_row.count := 0;
    v_row.reset_at := v_day_start + interval '1 day';
  END IF;

  IF v_limit IS NOT NULL AND v_row.count >= v_limit THEN
    RETURN false;
  END IF;

  UPDATE public.rate_limits AS r
     SET count = r.count + 1, updated_at = now()
   WHERE r.id = v_row.id
  RETURNING r.count INTO v_count;

  IF v_limit IS NOT NULL AND v_count = ceil(v_limit * 0.8)::integer THEN
    INSERT INTO public.notifications (user_id, type, title, message, metadata)
    VALUES (
      p_user_id,
      'limit_warning',
      'You are close to your daily limit',
      format('You have used %s of your %s daily %s. The limit resets at midnight UTC.',
             v_count, v_limit, p_limit_type),
      jsonb_build_object('limit_type', p_limit_type, 'used', v_count,
                         'limit', v_limit, 'reset_at', v_row.reset_at)
    );
  END IF;

  RETURN true;
END;
$$;

REVOKE EXECUTE ON FUNCTION public.check_rate_limit(uuid, text) FROM PUBLIC, anon;

-- Row level security: plan limits are public reference data; users can read
-- their own counters; only check_rate_limit() writes them.
ALTER TABLE public.tier_limits ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Anyone can read tier limits"
  ON public.tier_limits FOR SELECT TO anon, authenticated
  USING (true);

ALTER TABLE public.rate_limits ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view own rate limits"
  ON public.rate_limits FOR SELECT TO authenticated
  USING ((select auth.uid()) = user_id);
