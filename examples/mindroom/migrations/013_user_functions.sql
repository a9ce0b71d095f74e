-- 013_user_functions: the user-management functions the customer portal calls:
-- get_user_instance, get_all_user_instances, has_active_subscription,
-- check_user_permission.
--
-- Not shown in the source document: the bodies. Designed as SECURITY INVOKER
-- functions, so Row Level Security scopes them: a signed-in user asking about
-- another user's id gets nothing back, while the backend (service role) can ask
-- about anyone. A subscription counts as active when it is 'active', or
-- 'trialing' with the trial not yet over.

CREATE FUNCTION public.get_user_instance(user_id uuid)
RETURNS TABLE (
  instance_id       uuid,
  subdomain         text,
  frontend_url      text,
  backend_url       text,
  matrix_server_url text,
  status            public.instance_status,
  tier              public.subscription_tier,
  config            jsonb,
  features          jsonb
)
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT i.id, i.subdomain, i.frontend_url, i.backend_url, i.matrix_server_url,
         i.status, s.tier, i.config, s.features
    FROM public.instances i
    JOIN public.subscriptions s ON s.id = i.subscription_id
   WHERE s.account_id = get_user_instance.user_id
     AND (s.status = 'active' OR (s.status = 'trialing' AND (s.trial_ends_at IS NULL OR s.trial_ends_at > now())))
     AND i.status = 'running'
   ORDER BY i.created_at DESC, i.id
   LIMIT 1
$$;

COMMENT ON FUNCTION public.get_user_instance(uuid) IS 'The newest running instance of the user''s active subscription';

CREATE FUNCTION public.get_all_user_instances(user_id uuid)
RETURNS TABLE (
  instance_id         uuid,
  subdomain           text,
  status              public.instance_status,
  health_status       text,
  subscription_id     uuid,
  subscription_status public.subscription_status,
  tier                public.subscription_tier,
  created_at          timestamptz
)
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT i.id, i.subdomain, i.status, i.health_status, s.id, s.status, s.tier, i.created_at
    FROM public.instances i
    JOIN public.subscriptions s ON s.id = i.subscription_id
   WHERE s.account_id = get_all_user_instances.user_id
   ORDER BY i.created_at DESC, i.id
$$;

COMMENT ON FUNCTION public.get_all_user_instances(uuid) IS 'Every instance of the user, including stopped and deprovisioned ones';

CREATE FUNCTION public.has_active_subscription(user_id uuid)
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT EXISTS (
    SELECT 1
      FROM public.subscriptions s
     WHERE s.account_id = has_active_subscription.user_id
       AND (s.status = 'active'
            OR (s.status = 'trialing' AND (s.trial_ends_at IS NULL OR s.trial_ends_at > now())))
  )
$$;

COMMENT ON FUNCTION public.has_active_subscription(uuid) IS 'True when the user has an active (or still trialing) subscription';

-- Feature access: the subscription's feature flags (copied from the tier, and
-- overridable per contract) decide. Unknown features and users without an
-- active subscription get false.
CREATE FUNCTION public.check_user_permission(user_id uuid, permission text)
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT coalesce((
    SELECT CASE WHEN jsonb_typeof(s.features -> check_user_permission.permission) = 'boolean'
                THEN (s.features ->> check_user_permission.permission)::boolean
                ELSE false END
      FROM public.subscriptions s
     WHERE s.account_id = check_user_permission.user_id
       AND (s.status = 'active'
            OR (s.status = 'trialing' AND (s.trial_ends_at IS NULL OR s.trial_ends_at > now())))
     ORDER BY s.created_at DESC
     LIMIT 1
  ), false)
$$;

COMMENT ON FUNCTION public.check_user_permission(uuid, text) IS 'True when the user''s active subscription grants the feature';
