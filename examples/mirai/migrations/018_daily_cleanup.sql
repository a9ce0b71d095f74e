-- 018_daily_cleanup: daily_cleanup(), the daily maintenance run (scheduled
-- outside this migration, e.g. by pg_cron or a dbward job, at 00:05 UTC).

-- Not shown in the source document (body): the document names removing
-- analytics events older than 30 days and notifications read more than 7 days
-- ago. Designed additions: close expired suspensions, fill yesterday's
-- usage_daily_aggregates, delete rate-limit windows that ended more than a
-- day ago (check_rate_limit() recreates them on demand) and re-base
-- user_profiles.daily_message_count on today's messages. Returns a summary.
CREATE FUNCTION public.daily_cleanup()
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_day_start     timestamptz := date_trunc('day', now(), 'UTC');
  v_events        integer;
  v_notifications integer;
  v_suspensions   integer;
  v_aggregates    integer;
  v_rate_limits   integer;
  v_daily_counts  integer;
BEGIN
  DELETE FROM public.analytics_events
   WHERE created_at < now() - interval '30 days';
  GET DIAGNOSTICS v_events = ROW_COUNT;

  DELETE FROM public.notifications
   WHERE is_read
     AND coalesce(read_at, created_at) < now() - interval '7 days';
  GET DIAGNOSTICS v_notifications = ROW_COUNT;

  UPDATE public.user_violations
     SET is_active = false, resolved_at = now()
   WHERE is_active
     AND action = 'suspension'
     AND suspended_until <= now();
  GET DIAGNOSTICS v_suspensions = ROW_COUNT;

  v_aggregates := public.refresh_usage_daily_aggregates((v_day_start AT TIME ZONE 'UTC')::date - 1);

  DELETE FROM public.rate_limits
   WHERE reset_at < now() - interval '1 day';
  GET DIAGNOSTICS v_rate_limits = ROW_COUNT;

  UPDATE public.user_profiles AS p
     SET daily_message_count = s.sent
    FROM (
      SELECT pr.id, count(m.id)::integer AS sent
      FROM public.user_profiles AS pr
      LEFT JOIN public.chat_messages AS m
        ON m.user_id = pr.id AND m.role = 'user' AND m.created_at >= v_day_start
      GROUP BY pr.id
    ) AS s
   WHERE p.id = s.id
     AND p.daily_message_count <> s.sent;
  GET DIAGNOSTICS v_daily_counts = ROW_COUNT;

  RETURN jsonb_build_object(
    'analytics_events_deleted',   v_events,
    'notifications_deleted',      v_notifications,
    'suspensions_expired',        v_suspensions,
    'usage_aggregates_refreshed', v_aggregates,
    'rate_limits_deleted',        v_rate_limits,
    'daily_counts_reset',         v_daily_counts
  );
END;
$$;

REVOKE EXECUTE ON FUNCTION public.daily_cleanup() FROM PUBLIC, anon, authenticated;
