-- 016_automation_functions: the scheduled jobs: reset_daily_usage,
-- calculate_storage_usage, cleanup_expired_data, auto_pause_inactive_instances.
-- They are run from cron (dbward jobs / pg_cron) as the service role or owner.
--
-- Not shown in the source document: the bodies and the retention periods.
-- Designed as:
-- * reset_daily_usage(): zero every subscription counter whose day has passed;
--   returns how many were reset.
-- * calculate_storage_usage(instance): the instance's storage is the latest
--   storage_used_mb its usage_metrics report; the subscription's storage is the
--   sum over its live instances. Crossing the storage limit is audited.
--   Returns the instance's storage in GB.
-- * cleanup_expired_data(): audit logs after 90 days (billing and security
--   after 365), usage metrics after 365 days; completed backups past expires_at
--   become 'expired' (except the newest completed backup of a live instance),
--   failed backups go after 7 days and 'deleted' ones 30 days after the object
--   was removed; expired API keys are deactivated and revoked keys purged after
--   90 days. Returns a jsonb of counts.
-- * auto_pause_inactive_instances(): running instances of tiers that have an
--   auto_pause_after_days (only free) with no activity for that long are
--   paused and audited; returns how many.

CREATE FUNCTION public.reset_daily_usage()
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_count integer;
BEGIN
  UPDATE public.subscriptions
     SET current_messages_today = 0,
         last_reset_at = current_date
   WHERE last_reset_at < current_date;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END;
$$;

CREATE FUNCTION public.calculate_storage_usage(p_instance_id uuid)
RETURNS numeric
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_subscription_id uuid;
  v_mb integer;
  v_was_over boolean;
  v_total numeric(10,3);
  v_limit integer;
  v_account_id uuid;
BEGIN
  SELECT i.subscription_id INTO v_subscription_id FROM public.instances i WHERE i.id = p_instance_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'instance % not found', p_instance_id USING ERRCODE = 'no_data_found';
  END IF;

  SELECT um.storage_used_mb INTO v_mb
    FROM public.usage_metrics um
   WHERE um.instance_id = p_instance_id
   ORDER BY um.date DESC
   LIMIT 1;
  v_mb := coalesce(v_mb, 0);

  UPDATE public.instances SET storage_used_mb = v_mb WHERE id = p_instance_id;

  SELECT s.current_storage_gb > s.max_storage_gb INTO v_was_over
    FROM public.subscriptions s WHERE s.id = v_subscription_id;

  UPDATE public.subscriptions s
     SET current_storage_gb = (
           SELECT round(coalesce(sum(i.storage_used_mb), 0) / 1024.0, 3)
             FROM public.instances i
            WHERE i.subscription_id = s.id
              AND i.status <> 'deprovisioned')
   WHERE s.id = v_subscription_id
  RETURNING s.current_storage_gb, s.max_storage_gb, s.account_id INTO v_total, v_limit, v_account_id;

  IF v_total > v_limit AND NOT v_was_over THEN
    PERFORM public.log_audit_event(
      v_account_id, p_instance_id, 'storage_limit_exceeded', 'usage',
      jsonb_build_object('limit_gb', v_limit, 'current_gb', v_total), false);
  END IF;

  RETURN round(v_mb / 1024.0, 3);
END;
$$;

CREATE FUNCTION public.cleanup_expired_data()
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_audit integer;
  v_usage integer;
  v_expired integer;
  v_backups_deleted integer;
  v_keys_deactivated integer;
  v_keys_deleted integer;
BEGIN
  DELETE FROM public.audit_logs
   WHERE created_at < now() - CASE WHEN action_category IN ('billing', 'security')
                                   THEN interval '365 days' ELSE interval '90 days' END;
  GET DIAGNOSTICS v_audit = ROW_COUNT;

  DELETE FROM public.usage_metrics WHERE date < current_date - 365;
  GET DIAGNOSTICS v_usage = ROW_COUNT;

  WITH newest_of_live AS (
    SELECT DISTINCT ON (b.instance_id) b.id
      FROM public.instance_backups b
      JOIN public.instances i ON i.id = b.instance_id
     WHERE b.status = 'completed'
       AND i.status NOT IN ('deprovisioning', 'deprovisioned')
     ORDER BY b.instance_id, b.created_at DESC, b.id
  )
  UPDATE public.instance_backups b
     SET status = 'expired', expired_at = now()
   WHERE b.status = 'completed'
     AND b.expires_at < now()
     AND b.id NOT IN (SELECT id FROM newest_of_live);
  GET DIAGNOSTICS v_expired = ROW_COUNT;

  DELETE FROM public.instance_backups
   WHERE (status = 'failed' AND created_at < now() - interval '7 days')
      OR (status = 'deleted' AND deleted_at < now() - interval '30 days');
  GET DIAGNOSTICS v_backups_deleted = ROW_COUNT;

  UPDATE public.api_keys
     SET is_active = false, revoked_at = now()
   WHERE is_active
     AND expires_at < now();
  GET DIAGNOSTICS v_keys_deactivated = ROW_COUNT;

  DELETE FROM public.api_keys
   WHERE NOT is_active
     AND revoked_at < now() - interval '90 days';
  GET DIAGNOSTICS v_keys_deleted = ROW_COUNT;

  RETURN jsonb_build_object(
    'audit_logs_deleted', v_audit,
    'usage_metrics_deleted', v_usage,
    'backups_expired', v_expired,
    'backups_deleted', v_backups_deleted,
    'api_keys_deactivated', v_keys_deactivated,
    'api_keys_deleted', v_keys_deleted);
END;
$$;

CREATE FUNCTION public.auto_pause_inactive_instances()
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_count integer;
BEGIN
  WITH paused AS (
    UPDATE public.instances i
       SET status = 'paused',
           status_reason = 'auto_paused_inactive'
      FROM public.subscriptions s
      JOIN public.tier_limits t ON t.tier = s.tier
     WHERE s.id = i.subscription_id
       AND i.status = 'running'
       AND t.auto_pause_after_days IS NOT NULL
       AND coalesce(i.last_activity_at, i.provisioned_at, i.created_at)
           < now() - make_interval(days => t.auto_pause_after_days)
    RETURNING i.id, s.account_id, i.last_activity_at, t.auto_pause_after_days
  ), logged AS (
    INSERT INTO public.audit_logs (account_id, instance_id, action, action_category, details)
    SELECT p.account_id, p.id, 'instance_auto_paused', 'instance',
           jsonb_build_object('reason', 'inactivity', 'last_activity_at', p.last_activity_at,
                              'inactive_days_limit', p.auto_pause_after_days)
      FROM paused p
    RETURNING 1
  )
  SELECT count(*) INTO v_count FROM logged;
  RETURN v_count;
END;
$$;

REVOKE EXECUTE ON FUNCTION public.reset_daily_usage(),
                           public.calculate_storage_usage(uuid),
                           public.cleanup_expired_data(),
                           public.auto_pause_inactive_instances()
  FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.reset_daily_usage(),
                          public.calculate_storage_usage(uuid),
                          public.cleanup_expired_data(),
                          public.auto_pause_inactive_instances()
  TO service_role;

COMMENT ON FUNCTION public.reset_daily_usage() IS 'Reset daily message counters (daily, at midnight UTC)';
COMMENT ON FUNCTION public.calculate_storage_usage(uuid) IS 'Recompute storage of an instance and its subscription';
COMMENT ON FUNCTION public.cleanup_expired_data() IS 'Retention: purge old audit logs, usage rows, backups and API keys';
COMMENT ON FUNCTION public.auto_pause_inactive_instances() IS 'Pause unused free tier instances';
