-- 012_subscription_tier_change: when Stripe moves a subscription to another
-- tier, its limits and feature flags follow the new tier, the instances get the
-- new tier's resource limits, and the change is audited.
--
-- Not shown in the source document: designed as a BEFORE UPDATE OF tier trigger
-- reading tier_limits (a tier change resets any per-contract overrides).

CREATE FUNCTION public.handle_tier_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  t public.tier_limits%ROWTYPE;
BEGIN
  IF NEW.tier IS NOT DISTINCT FROM OLD.tier THEN
    RETURN NEW;
  END IF;

  SELECT * INTO t FROM public.tier_limits WHERE tier = NEW.tier;
  NEW.max_instances        := t.max_instances;
  NEW.max_agents           := t.max_agents;
  NEW.max_messages_per_day := t.max_messages_per_day;
  NEW.max_storage_gb       := t.max_storage_gb;
  NEW.max_platforms        := t.max_platforms;
  NEW.max_team_members     := t.max_team_members;
  NEW.features             := t.features;

  UPDATE public.instances
     SET memory_limit_mb = t.memory_limit_mb,
         cpu_limit       = t.cpu_limit,
         disk_limit_gb   = t.max_storage_gb
   WHERE subscription_id = NEW.id
     AND status NOT IN ('deprovisioning', 'deprovisioned');

  PERFORM public.log_audit_event(
    NEW.account_id, NULL, 'subscription_tier_changed', 'billing',
    jsonb_build_object('subscription_id', NEW.id, 'old_tier', OLD.tier, 'new_tier', NEW.tier,
                       'max_messages_per_day', t.max_messages_per_day,
                       'max_storage_gb', t.max_storage_gb, 'max_agents', t.max_agents));
  RETURN NEW;
END;
$$;

CREATE TRIGGER subscriptions_tier_change
  BEFORE UPDATE OF tier ON public.subscriptions
  FOR EACH ROW EXECUTE FUNCTION public.handle_tier_change();
