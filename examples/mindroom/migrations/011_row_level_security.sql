-- 011_row_level_security: RLS on every table. Users see only their own data;
-- subscriptions change only through the stripe-handler (service role); audit
-- logs and usage metrics are read-only for users; the tier catalogue is public.
--
-- The service role has BYPASSRLS on Supabase, which is how the backend services
-- (stripe-handler, instance-provisioner, admin-dashboard) get full access; no
-- policy is needed for it. Column privileges narrow what users may UPDATE on
-- accounts and instances (profile fields and agent config only), because RLS
-- alone cannot stop a user from setting their own instance back to 'running'.

ALTER TABLE public.accounts         ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.tier_limits      ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.subscriptions    ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.instances        ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.usage_metrics    ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.audit_logs       ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.support_tickets  ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.instance_backups ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.api_keys         ENABLE ROW LEVEL SECURITY;

-- accounts
CREATE POLICY "Users can view own account" ON public.accounts
  FOR SELECT TO authenticated
  USING (id = (select auth.uid()));

CREATE POLICY "Users can update own account" ON public.accounts
  FOR UPDATE TO authenticated
  USING (id = (select auth.uid()))
  WITH CHECK (id = (select auth.uid()));

REVOKE UPDATE ON public.accounts FROM anon, authenticated;
GRANT UPDATE (full_name, company_name) ON public.accounts TO authenticated;

-- tier_limits: the pricing page reads it without logging in
CREATE POLICY "Anyone can view tier limits" ON public.tier_limits
  FOR SELECT TO anon, authenticated
  USING (true);

-- subscriptions: read-only for users (Stripe webhooks modify them)
CREATE POLICY "Users can view own subscriptions" ON public.subscriptions
  FOR SELECT TO authenticated
  USING (account_id = (select auth.uid()));

-- instances
CREATE POLICY "Users can view own instances" ON public.instances
  FOR SELECT TO authenticated
  USING (subscription_id IN (
    SELECT s.id FROM public.subscriptions s WHERE s.account_id = (select auth.uid())));

CREATE POLICY "Users can update own instance config" ON public.instances
  FOR UPDATE TO authenticated
  USING (subscription_id IN (
    SELECT s.id FROM public.subscriptions s WHERE s.account_id = (select auth.uid())))
  WITH CHECK (subscription_id IN (
    SELECT s.id FROM public.subscriptions s WHERE s.account_id = (select auth.uid())));

REVOKE UPDATE ON public.instances FROM anon, authenticated;
GRANT UPDATE (config) ON public.instances TO authenticated;

-- usage_metrics: read-only
CREATE POLICY "Users can view own usage" ON public.usage_metrics
  FOR SELECT TO authenticated
  USING (instance_id IN (
    SELECT i.id FROM public.instances i
      JOIN public.subscriptions s ON s.id = i.subscription_id
     WHERE s.account_id = (select auth.uid())));

-- audit_logs: read-only
CREATE POLICY "Users can view own audit logs" ON public.audit_logs
  FOR SELECT TO authenticated
  USING (account_id = (select auth.uid()));

-- support_tickets
CREATE POLICY "Users can view own tickets" ON public.support_tickets
  FOR SELECT TO authenticated
  USING (account_id = (select auth.uid()));

CREATE POLICY "Users can create tickets" ON public.support_tickets
  FOR INSERT TO authenticated
  WITH CHECK (account_id = (select auth.uid()));

CREATE POLICY "Users can update own tickets" ON public.support_tickets
  FOR UPDATE TO authenticated
  USING (account_id = (select auth.uid()))
  WITH CHECK (account_id = (select auth.uid()));

-- instance_backups: users see theirs and may request manual backups
CREATE POLICY "Users can view own backups" ON public.instance_backups
  FOR SELECT TO authenticated
  USING (instance_id IN (
    SELECT i.id FROM public.instances i
      JOIN public.subscriptions s ON s.id = i.subscription_id
     WHERE s.account_id = (select auth.uid())));

CREATE POLICY "Users can request backups for own instances" ON public.instance_backups
  FOR INSERT TO authenticated
  WITH CHECK (
    backup_type = 'manual'
    AND status = 'pending'
    AND requested_by = (select auth.uid())
    AND instance_id IN (
      SELECT i.id FROM public.instances i
        JOIN public.subscriptions s ON s.id = i.subscription_id
       WHERE s.account_id = (select auth.uid())));

-- api_keys
CREATE POLICY "Users can view own API keys" ON public.api_keys
  FOR SELECT TO authenticated
  USING (account_id = (select auth.uid()));

CREATE POLICY "Users can create own API keys" ON public.api_keys
  FOR INSERT TO authenticated
  WITH CHECK (account_id = (select auth.uid()));

CREATE POLICY "Users can update own API keys" ON public.api_keys
  FOR UPDATE TO authenticated
  USING (account_id = (select auth.uid()))
  WITH CHECK (account_id = (select auth.uid()));

CREATE POLICY "Users can delete own API keys" ON public.api_keys
  FOR DELETE TO authenticated
  USING (account_id = (select auth.uid()));
