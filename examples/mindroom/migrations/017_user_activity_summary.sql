-- 017_user_activity_summary: get_user_activity_summary(), the one-row overview
-- of a customer the admin dashboard and customer portal show.
--
-- Not shown in the source document (the function is named in the project's
-- brief, not in the document): designed as a SECURITY INVOKER function, so RLS
-- limits a signed-in user to their own summary, summarising the live
-- subscription, live instances, the last p_days of usage, open tickets, active
-- API keys and the latest audit event.

CREATE FUNCTION public.get_user_activity_summary(p_user_id uuid, p_days integer DEFAULT 30)
RETURNS TABLE (
  account_id          uuid,
  email               text,
  tier                public.subscription_tier,
  subscription_status public.subscription_status,
  instance_count      integer,
  running_instances   integer,
  messages_in_period  bigint,
  active_days         integer,
  top_agent           text,
  open_tickets        integer,
  active_api_keys     integer,
  last_activity_at    timestamptz,
  last_audit_action   text
)
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  WITH acct AS (
    SELECT a.id, a.email FROM public.accounts a WHERE a.id = p_user_id
  ), sub AS (
    SELECT s.tier, s.status
      FROM public.subscriptions s
     WHERE s.account_id = p_user_id
     ORDER BY (s.status IN ('trialing', 'active', 'past_due', 'paused')) DESC, s.created_at DESC
     LIMIT 1
  ), inst AS (
    SELECT i.*
      FROM public.instances i
      JOIN public.subscriptions s ON s.id = i.subscription_id
     WHERE s.account_id = p_user_id
  ), usage AS (
    SELECT um.*
      FROM public.usage_metrics um
     WHERE um.instance_id IN (SELECT inst.id FROM inst)
       AND um.date > current_date - greatest(p_days, 1)
  ), agents AS (
    SELECT e.key AS agent, sum(e.value::bigint) AS n
      FROM usage, jsonb_each_text(usage.agents_used) AS e
     GROUP BY e.key
  )
  SELECT acct.id,
         acct.email,
         (SELECT sub.tier FROM sub),
         (SELECT sub.status FROM sub),
         (SELECT count(*)::integer FROM inst WHERE inst.status NOT IN ('deprovisioning', 'deprovisioned')),
         (SELECT count(*)::integer FROM inst WHERE inst.status = 'running'),
         (SELECT coalesce(sum(usage.messages_sent + usage.messages_received), 0)::bigint FROM usage),
         (SELECT count(DISTINCT usage.date)::integer FROM usage
           WHERE usage.messages_sent + usage.messages_received > 0),
         (SELECT agents.agent FROM agents ORDER BY agents.n DESC, agents.agent LIMIT 1),
         (SELECT count(*)::integer FROM public.support_tickets t
           WHERE t.account_id = p_user_id AND t.status IN ('open', 'in_progress', 'waiting_on_customer')),
         (SELECT count(*)::integer FROM public.api_keys k
           WHERE k.account_id = p_user_id AND k.is_active AND (k.expires_at IS NULL OR k.expires_at > now())),
         (SELECT max(inst.last_activity_at) FROM inst),
         (SELECT l.action FROM public.audit_logs l
           WHERE l.account_id = p_user_id ORDER BY l.created_at DESC, l.id LIMIT 1)
    FROM acct
$$;

COMMENT ON FUNCTION public.get_user_activity_summary(uuid, integer) IS
  'One-row activity overview of a customer over the last p_days days';
