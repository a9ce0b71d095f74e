-- 014_usage_functions: usage tracking: track_usage (called by every instance
-- for each message), check_usage_limits and get_billing_metrics.
--
-- Not shown in the source document: the bodies. Designed as:
-- * track_usage(instance, agent, tool, platform[, message_type]) upserts the
--   day's usage_metrics row, bumps the subscription's daily counter (starting
--   again at 1 on a new day even before reset_daily_usage() has run), records
--   the instance's last activity, audits the first message over the daily
--   limit, and returns whether this message was within the limit.
-- * check_usage_limits(instance) says whether the instance may take another
--   message (used < limit), and whether storage and agent count are in bounds.
-- * get_billing_metrics(account, start, end) totals an account's usage rows.
-- track_usage writes tables users cannot, so it is SECURITY DEFINER and only
-- the service role may call it; the two readers are SECURITY INVOKER (RLS).

CREATE FUNCTION public.track_usage(
  p_instance_id  uuid,
  p_agent        text DEFAULT NULL,
  p_tool         text DEFAULT NULL,
  p_platform     text DEFAULT NULL,
  p_message_type text DEFAULT 'sent'
)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_subscription_id uuid;
  v_account_id uuid;
  v_count integer;
  v_limit integer;
BEGIN
  IF p_message_type IS NULL OR p_message_type NOT IN ('sent', 'received') THEN
    RAISE EXCEPTION 'message_type must be sent or received, got %', p_message_type
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  SELECT i.subscription_id INTO v_subscription_id
    FROM public.instances i
   WHERE i.id = p_instance_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'instance % not found', p_instance_id USING ERRCODE = 'no_data_found';
  END IF;

  INSERT INTO public.usage_metrics AS um
    (instance_id, date, messages_sent, messages_received, agents_used, tools_used, platforms_active)
  VALUES (
    p_instance_id,
    current_date,
    CASE WHEN p_message_type = 'sent' THEN 1 ELSE 0 END,
    CASE WHEN p_message_type = 'received' THEN 1 ELSE 0 END,
    CASE WHEN p_agent IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(p_agent, 1) END,
    CASE WHEN p_tool IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(p_tool, 1) END,
    CASE WHEN p_platform IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(p_platform, 1) END
  )
  ON CONFLICT (instance_id, date) DO UPDATE SET
    messages_sent     = um.messages_sent + EXCLUDED.messages_sent,
    messages_received = um.messages_received + EXCLUDED.messages_received,
    agents_used = CASE WHEN p_agent IS NULL THEN um.agents_used
                       ELSE um.agents_used || jsonb_build_object(p_agent, coalesce((um.agents_used ->> p_agent)::integer, 0) + 1) END,
    tools_used = CASE WHEN p_tool IS NULL THEN um.tools_used
                      ELSE um.tools_used || jsonb_build_object(p_tool, coalesce((um.tools_used ->> p_tool)::integer, 0) + 1) END,
    platforms_active = CASE WHEN p_platform IS NULL THEN um.platforms_active
                            ELSE um.platforms_active || jsonb_build_object(p_platform, coalesce((um.platforms_active ->> p_platform)::integer, 0) + 1) END;

  UPDATE public.instances SET last_activity_at = now() WHERE id = p_instance_id;

  UPDATE public.subscriptions s
     SET current_messages_today = CASE WHEN s.last_reset_at < current_date THEN 1
                                       ELSE s.current_messages_today + 1 END,
         last_reset_at = current_date
   WHERE s.id = v_subscription_id
  RETURNING s.current_messages_today, s.max_messages_per_day, s.account_id
       INTO v_count, v_limit, v_account_id;

  IF v_count = v_limit + 1 THEN
    PERFORM public.log_audit_event(
      v_account_id, p_instance_id, 'message_limit_exceeded', 'usage',
      jsonb_build_object('limit', v_limit, 'date', current_date), false);
  END IF;

  RETURN v_count <= v_limit;
END;
$$;

REVOKE EXECUTE ON FUNCTION public.track_usage(uuid, text, text, text, text) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.track_usage(uuid, text, text, text, text) TO service_role;

COMMENT ON FUNCTION public.track_usage(uuid, text, text, text, text) IS
  'Record one message; returns false once the daily message limit is exceeded';

CREATE FUNCTION public.check_usage_limits(p_instance_id uuid)
RETURNS TABLE (
  is_within_limits   boolean,
  messages_used      integer,
  messages_remaining integer,
  daily_limit        integer,
  storage_used_gb    numeric,
  storage_limit_gb   integer,
  agents_configured  integer,
  agent_limit        integer
)
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  WITH u AS (
    SELECT CASE WHEN s.last_reset_at < current_date THEN 0 ELSE s.current_messages_today END AS used,
           s.max_messages_per_day AS lim,
           s.current_storage_gb,
           s.max_storage_gb,
           CASE WHEN jsonb_typeof(i.config -> 'agents') = 'object'
                THEN (SELECT count(*) FROM jsonb_object_keys(i.config -> 'agents'))::integer
                ELSE 0 END AS agents,
           s.max_agents
      FROM public.instances i
      JOIN public.subscriptions s ON s.id = i.subscription_id
     WHERE i.id = p_instance_id
  )
  SELECT u.used < u.lim AND u.current_storage_gb <= u.max_storage_gb AND u.agents <= u.max_agents,
         u.used,
         greatest(u.lim - u.used, 0),
         u.lim,
         u.current_storage_gb,
         u.max_storage_gb,
         u.agents,
         u.max_agents
    FROM u
$$;

COMMENT ON FUNCTION public.check_usage_limits(uuid) IS
  'Whether the instance may take another message today and is within its storage and agent limits';

CREATE FUNCTION public.get_billing_metrics(p_account_id uuid, p_start_date date, p_end_date date)
RETURNS TABLE (
  total_messages         bigint,
  messages_sent          bigint,
  messages_received      bigint,
  active_days            integer,
  unique_agents          integer,
  unique_tools           integer,
  platforms              text[],
  peak_storage_mb        integer,
  average_daily_messages numeric
)
LANGUAGE plpgsql
STABLE
SET search_path = ''
AS $$
BEGIN
  IF p_end_date < p_start_date THEN
    RAISE EXCEPTION 'end date % is before start date %', p_end_date, p_start_date
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  RETURN QUERY
  WITH m AS (
    SELECT um.*
      FROM public.usage_metrics um
      JOIN public.instances i ON i.id = um.instance_id
      JOIN public.subscriptions s ON s.id = i.subscription_id
     WHERE s.account_id = p_account_id
       AND um.date BETWEEN p_start_date AND p_end_date
  ), daily AS (
    SELECT m.date,
           sum(m.messages_sent + m.messages_received) AS msgs,
           sum(m.storage_used_mb) AS storage_mb
      FROM m
     GROUP BY m.date
  ), totals AS (
    SELECT coalesce(sum(m.messages_sent + m.messages_received), 0)::bigint AS total,
           coalesce(sum(m.messages_sent), 0)::bigint AS sent,
           coalesce(sum(m.messages_received), 0)::bigint AS received
      FROM m
  ), days AS (
    SELECT count(*) FILTER (WHERE daily.msgs > 0)::integer AS n,
           coalesce(max(daily.storage_mb), 0)::integer AS peak
      FROM daily
  )
  SELECT totals.total,
         totals.sent,
         totals.received,
         days.n,
         (SELECT count(DISTINCT k)::integer FROM m, jsonb_object_keys(m.agents_used) AS k),
         (SELECT count(DISTINCT k)::integer FROM m, jsonb_object_keys(m.tools_used) AS k),
         coalesce((SELECT array_agg(DISTINCT k ORDER BY k) FROM m, jsonb_object_keys(m.platforms_active) AS k),
                  ARRAY[]::text[]),
         days.peak,
         CASE WHEN days.n > 0 THEN round(totals.total::numeric / days.n, 2) ELSE 0::numeric END
    FROM totals, days;
END;
$$;

COMMENT ON FUNCTION public.get_billing_metrics(uuid, date, date) IS 'Usage totals of an account between two dates (inclusive)';
