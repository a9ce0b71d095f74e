-- Reverse of 011_row_level_security: drop the policies, give back the table
-- privileges the column grants replaced, and turn RLS off again.
DROP POLICY IF EXISTS "Users can delete own API keys" ON public.api_keys;
DROP POLICY IF EXISTS "Users can update own API keys" ON public.api_keys;
DROP POLICY IF EXISTS "Users can create own API keys" ON public.api_keys;
DROP POLICY IF EXISTS "Users can view own API keys" ON public.api_keys;
DROP POLICY IF EXISTS "Users can request backups for own instances" ON public.instance_backups;
DROP POLICY IF EXISTS "Users can view own backups" ON public.instance_backups;
DROP POLICY IF EXISTS "Users can update own tickets" ON public.support_tickets;
DROP POLICY IF EXISTS "Users can create tickets" ON public.support_tickets;
DROP POLICY IF EXISTS "Users can view own tickets" ON public.support_tickets;
DROP POLICY IF EXISTS "Users can view own audit logs" ON public.audit_logs;
DROP POLICY IF EXISTS "Users can view own usage" ON public.usage_metrics;
DROP POLICY IF EXISTS "Users can update own instance config" ON public.instances;
DROP POLICY IF EXISTS "Users can view own instances" ON public.instances;
DROP POLICY IF EXISTS "Users can view own subscriptions" ON public.subscriptions;
DROP POLICY IF EXISTS "Anyone can view tier limits" ON public.tier_limits;
DROP POLICY IF EXISTS "Users can update own account" ON public.accounts;
DROP POLICY IF EXISTS "Users can view own account" ON public.accounts;

REVOKE UPDATE (config) ON public.instances FROM authenticated;
GRANT UPDATE ON public.instances TO anon, authenticated;
REVOKE UPDATE (full_name, company_name) ON public.accounts FROM authenticated;
GRANT UPDATE ON public.accounts TO anon, authenticated;

ALTER TABLE public.api_keys         DISABLE ROW LEVEL SECURITY;
ALTER TABLE public.instance_backups DISABLE ROW LEVEL SECURITY;
ALTER TABLE public.support_tickets  DISABLE ROW LEVEL SECURITY;
ALTER TABLE public.audit_logs       DISABLE ROW LEVEL SECURITY;
ALTER TABLE public.usage_metrics    DISABLE ROW LEVEL SECURITY;
ALTER TABLE public.instances        DISABLE ROW LEVEL SECURITY;
ALTER TABLE public.subscriptions    DISABLE ROW LEVEL SECURITY;
ALTER TABLE public.tier_limits      DISABLE ROW LEVEL SECURITY;
ALTER TABLE public.accounts         DISABLE ROW LEVEL SECURITY;
