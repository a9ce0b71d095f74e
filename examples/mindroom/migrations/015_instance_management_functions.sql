-- 015_instance_management_functions: provision_instance, deprovision_instance
-- and update_instance_health, called by the instance-provisioner service.
--
-- Not shown in the source document: the bodies. Designed as:
-- * provision_instance(subscription, config) checks that the subscription is
--   active or trialing and below its instance limit, names the Dokku app and
--   subdomain from the new id, applies the tier's resource limits, inserts the
--   instance as 'provisioning' and audits it. The service then deploys it.
-- * deprovision_instance(instance, reason) moves a live instance to
--   'deprovisioning', queues a pre_deprovision backup, revokes API keys scoped
--   to it and audits it; false when there was nothing to deprovision. The
--   service sets 'deprovisioned' once the Dokku app is gone.
-- * update_instance_health(instance, status, details[, error]) records a health
--   check; the first healthy check of a provisioning instance marks it running;
--   falling to unhealthy/critical and recovering from it are audited.
-- All three are SECURITY DEFINER and callable by the service role only.

CREATE FUNCTION public.provision_instance(p_subscription_id uuid, p_config jsonb DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_sub public.subscriptions%ROWTYPE;
  v_tier public.tier_limits%ROWTYPE;
  v_live integer;
  v_id uuid := gen_random_uuid();
  v_short text := left(replace(v_id::text, '-', ''), 12);
  v_app text := 'mindroom-' || v_short;
  v_subdomain text := 'mr-' || v_short;
BEGIN
  IF p_config IS NOT NULL AND jsonb_typeof(p_config) <> 'object' THEN
    RAISE EXCEPTION 'config must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- lock the subscription so two concurrent calls cannot both pass the limit
  SELECT * INTO v_sub FROM public.subscriptions WHERE id = p_subscription_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'subscription % not found', p_subscription_id USING ERRCODE = 'no_data_found';
  END IF;
  IF v_sub.status NOT IN ('active', 'trialing') THEN
    RAISE EXCEPTION 'subscription % is %, cannot provision an instance', p_subscription_id, v_sub.status
      USING ERRCODE = 'check_violation';
  END IF;

  SELECT count(*) INTO v_live
    FROM public.instances
   WHERE subscription_id = p_subscription_id
     AND status NOT IN ('deprovisioning', 'deprovisioned');
  IF v_live >= v_sub.max_instances THEN
    RAISE EXCEPTION 'instance limit reached for subscription % (% of %)', p_subscription_id, v_live, v_sub.max_instances
      USING ERRCODE = 'check_violation';
  END IF;

  SELECT * INTO v_tier FROM public.tier_limits WHERE tier = v_sub.tier;

  INSERT INTO public.instances
    (id, subscription_id, dokku_app_name, subdomain, status, config,
     memory_limit_mb, cpu_limit, disk_limit_gb)
  VALUES
    (v_id, p_subscription_id, v_app, v_subdomain, 'provisioning',
     coalesce(p_config, '{"agents": {}, "teams": {}, "tools": {}, "models": {}, "rooms": []}'::jsonb),
     v_tier.memory_limit_mb, v_tier.cpu_limit, v_sub.max_storage_gb);

  PERFORM public.log_audit_event(
    v_sub.account_id, v_id, 'instance_provisioning_started', 'instance',
    jsonb_build_object('subscription_id', p_subscription_id, 'app_name', v_app,
                       'subdomain', v_subdomain, 'tier', v_sub.tier));
  RETURN v_id;
END;
$$;

CREATE FUNCTION public.deprovision_instance(p_instance_id uuid, p_reason text DEFAULT 'manual')
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_old_status public.instance_status;
  v_backup_id uuid;
  v_keys integer;
BEGIN
  SELECT status INTO v_old_status FROM public.instances WHERE id = p_instance_id FOR UPDATE;
  IF NOT FOUND OR v_old_status IN ('deprovisioning', 'deprovisioned') THEN
    RETURN false;
  END IF;

  UPDATE public.instances
     SET status = 'deprovisioning',
         status_reason = coalesce(p_reason, 'manual')
   WHERE id = p_instance_id;

  -- Keep the customer's data restorable for 30 days.
  INSERT INTO public.instance_backups (instance_id, backup_type, status, retention_days)
  VALUES (p_instance_id, 'pre_deprovision', 'pending', 30)
  RETURNING id INTO v_backup_id;

  UPDATE public.api_keys
     SET is_active = false, revoked_at = now()
   WHERE instance_id = p_instance_id
     AND is_active;
  GET DIAGNOSTICS v_keys = ROW_COUNT;

  PERFORM public.log_audit_event(
    NULL, p_instance_id, 'instance_deprovisioning_started', 'instance',
    jsonb_build_object('reason', coalesce(p_reason, 'manual'), 'previous_status', v_old_status,
                       'backup_id', v_backup_id, 'api_keys_revoked', v_keys));
  RETURN true;
END;
$$;

CREATE FUNCTION public.update_instance_health(
  p_instance_id   uuid,
  p_status        text,
  p_details       jsonb DEFAULT '{}'::jsonb,
  p_error_message text DEFAULT NULL
)
RETURNS public.instance_status
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_old_health text;
  v_status public.instance_status;
BEGIN
  IF p_status IS NULL OR p_status NOT IN ('unknown', 'healthy', 'degraded', 'unhealthy', 'critical') THEN
    RAISE EXCEPTION 'unknown health status %', p_status USING ERRCODE = 'invalid_parameter_value';
  END IF;

  SELECT health_status INTO v_old_health FROM public.instances WHERE id = p_instance_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'instance % not found', p_instance_id USING ERRCODE = 'no_data_found';
  END IF;

  UPDATE public.instances
     SET health_status     = p_status,
         health_details    = coalesce(p_details, '{}'::jsonb),
         error_message     = p_error_message,
         last_health_check = now(),
         status = CASE WHEN status = 'provisioning' AND p_status = 'healthy' THEN 'running'::public.instance_status
                       ELSE status END
   WHERE id = p_instance_id
  RETURNING status INTO v_status;

  IF p_status IN ('unhealthy', 'critical') AND v_old_health NOT IN ('unhealthy', 'critical') THEN
    PERFORM public.log_audit_event(
      NULL, p_instance_id, 'instance_health_degraded', 'instance',
      jsonb_build_object('from', v_old_health, 'to', p_status, 'details', p_details),
      false, p_error_message);
  ELSIF p_status = 'healthy' AND v_old_health IN ('unhealthy', 'critical') THEN
    PERFORM public.log_audit_event(
      NULL, p_instance_id, 'instance_health_recovered', 'instance',
      jsonb_build_object('from', v_old_health, 'to', p_status));
  END IF;

  RETURN v_status;
END;
$$;

REVOKE EXECUTE ON FUNCTION public.provision_instance(uuid, jsonb),
                           public.deprovision_instance(uuid, text),
                           public.update_instance_health(uuid, text, jsonb, text)
  FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.provision_instance(uuid, jsonb),
                          public.deprovision_instance(uuid, text),
                          public.update_instance_health(uuid, text, jsonb, text)
  TO service_role;

COMMENT ON FUNCTION public.provision_instance(uuid, jsonb) IS 'Create a new instance record (status provisioning) within the subscription''s limits';
COMMENT ON FUNCTION public.deprovision_instance(uuid, text) IS 'Start removing an instance; false when it was already gone';
COMMENT ON FUNCTION public.update_instance_health(uuid, text, jsonb, text) IS 'Record a health check; returns the instance status after it';
