-- 008_stripe_integration: user accounts, Stripe customers, subscriptions,
-- payments and payment failures, the trigger that keeps the user's tier (and
-- quota tier/period) in step with their subscriptions, and the subscription
-- status report. user_id is the application user id as text (auth uid for
-- Supabase users); RLS compares it with auth.uid()::text.
-- The document draws users "has one/has many" to the billing tables but lists
-- every user_id as a plain identifier column (no FK): kept so, since Stripe
-- webhooks and quota rows can arrive before a users row exists.

CREATE TABLE public.users (
  id                 uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  user_id            text        NOT NULL UNIQUE,
  email              text,
  name               text,
  stripe_customer_id text,
  tier               text        DEFAULT 'free'
                     CHECK (tier IN ('free', 'starter', 'pro', 'business')),
  is_active          boolean     DEFAULT true,
  last_login_at      timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.users IS 'Core user accounts with subscription status';

CREATE TABLE public.stripe_customers (
  id          uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  user_id     text        NOT NULL UNIQUE,
  customer_id text        NOT NULL UNIQUE,
  email       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.stripe_customers IS 'Maps internal user ids to Stripe customer ids';

CREATE TABLE public.stripe_subscriptions (
  id                   uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  subscription_id      text        NOT NULL UNIQUE,
  user_id              text        NOT NULL,
  customer_id          text,
  tier                 text        NOT NULL
                       CHECK (tier IN ('free', 'starter', 'pro', 'business'))
                       REFERENCES public.tier_limits (tier) ON UPDATE CASCADE,
  status               text        NOT NULL DEFAULT 'active'
                       CHECK (status IN ('active', 'trialing', 'past_due', 'cancelled', 'incomplete')),
  current_period_start timestamptz,
  current_period_end   timestamptz,
  cancel_at_period_end boolean     DEFAULT false,
  cancelled_at         timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.stripe_subscriptions IS 'Stripe subscription details';

CREATE TABLE public.payments (
  id              uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  user_id         text        NOT NULL,
  subscription_id text,
  invoice_id      text,
  amount_cents    integer     NOT NULL,
  currency        text        DEFAULT 'usd',
  status          text        NOT NULL DEFAULT 'paid'
                  CHECK (status IN ('paid', 'refunded', 'partially_refunded')),
  paid_at         timestamptz NOT NULL DEFAULT now(),
  created_at      timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.payments IS 'Successful payment events from Stripe';

CREATE TABLE public.payment_failures (
  id              uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  user_id         text        NOT NULL,
  subscription_id text,
  invoice_id      text,
  attempt_count   integer     NOT NULL DEFAULT 1,
  failure_reason  text,
  failed_at       timestamptz NOT NULL DEFAULT now(),
  resolved_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.payment_failures IS 'Failed payment attempts, for monitoring and user notification';

-- Not shown in the source document: lookup indexes for the per-user RLS
-- checks and webhook handlers.
CREATE INDEX idx_stripe_subscriptions_user_id ON public.stripe_subscriptions (user_id);
CREATE INDEX idx_payments_user_id ON public.payments (user_id);
CREATE INDEX idx_payment_failures_user_id ON public.payment_failures (user_id);

CREATE TRIGGER update_users_updated_at
  BEFORE UPDATE ON public.users
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER update_stripe_customers_updated_at
  BEFORE UPDATE ON public.stripe_customers
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER update_stripe_subscriptions_updated_at
  BEFORE UPDATE ON public.stripe_subscriptions
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

-- Keeps users.tier and user_quotas (tier and billing period) in step with the
-- user's subscriptions. Not shown in the source document: designed so that
-- the effective tier is that of the user's most recent live subscription
-- (active, trialing, or past_due while Stripe retries), else 'free'; a live
-- subscription's period becomes the quota period; a downgrade keeps the
-- current period. SECURITY DEFINER: webhook writers need not hold rights on
-- users/user_quotas.
CREATE OR REPLACE FUNCTION public.sync_user_tier_from_subscription()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_user  text;
  v_tier  text;
  v_start timestamptz;
  v_end   timestamptz;
BEGIN
  IF TG_OP = 'DELETE' THEN
    v_user := OLD.user_id;
  ELSE
    v_user := NEW.user_id;
  END IF;

  SELECT s.tier, s.current_period_start, s.current_period_end
    INTO v_tier, v_start, v_end
    FROM public.stripe_subscriptions s
   WHERE s.user_id = v_user
     AND s.status IN ('active', 'trialing', 'past_due')
   ORDER BY s.created_at DESC, s.subscription_id DESC
   LIMIT 1;

  IF NOT FOUND THEN
    v_tier := 'free';
    v_start := NULL;
    v_end := NULL;
  END IF;
  IF v_start IS NULL OR v_end IS NULL OR v_end <= v_start THEN
    v_start := NULL;
    v_end := NULL;
  END IF;

  UPDATE public.users u
     SET tier = v_tier
   WHERE u.user_id = v_user
     AND u.tier IS DISTINCT FROM v_tier;

  INSERT INTO public.user_quotas AS q (user_id, tier, period_start, period_end)
  VALUES (v_user, v_tier,
          coalesce(v_start, date_trunc('month', now())),
          coalesce(v_end, date_trunc('month', now()) + interval '1 month'))
  ON CONFLICT (user_id) DO UPDATE
     SET tier         = EXCLUDED.tier,
         period_start = CASE WHEN v_start IS NULL THEN q.period_start ELSE EXCLUDED.period_start END,
         period_end   = CASE WHEN v_end   IS NULL THEN q.period_end   ELSE EXCLUDED.period_end   END;

  RETURN NULL;
END;
$$;

CREATE TRIGGER sync_user_tier_on_subscription_change
  AFTER INSERT OR DELETE OR UPDATE OF user_id, tier, status, current_period_start, current_period_end
  ON public.stripe_subscriptions
  FOR EACH ROW EXECUTE FUNCTION public.sync_user_tier_from_subscription();

-- Complete subscription status of one user: effective tier and its limits,
-- the subscription that decides it (or the latest one), the Stripe customer,
-- and whether an unresolved payment failure exists. Always returns one row.
CREATE OR REPLACE FUNCTION public.get_subscription_status(p_user_id text)
RETURNS TABLE (
  user_id              text,
  tier                 text,
  subscription_status  text,
  subscription_id      text,
  customer_id          text,
  current_period_start timestamptz,
  current_period_end   timestamptz,
  cancel_at_period_end boolean,
  monthly_limit        integer,
  daily_limit          integer,
  features             text[],
  is_active            boolean,
  has_payment_failure  boolean)
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT p_user_id,
         t.tier,
         s.status,
         s.subscription_id,
         coalesce(s.customer_id, c.customer_id),
         s.current_period_start,
         s.current_period_end,
         coalesce(s.cancel_at_period_end, false),
         tl.monthly_limit,
         tl.daily_limit,
         tl.features,
         coalesce(s.status IN ('active', 'trialing', 'past_due'), false),
         EXISTS (SELECT 1 FROM public.payment_failures f
                  WHERE f.user_id = p_user_id AND f.resolved_at IS NULL)
    FROM (SELECT coalesce((SELECT q.tier FROM public.user_quotas q WHERE q.user_id = p_user_id),
                          'free') AS tier) t
    JOIN public.tier_limits tl ON tl.tier = t.tier
    LEFT JOIN LATERAL (
         SELECT s.*
           FROM public.stripe_subscriptions s
          WHERE s.user_id = p_user_id
          ORDER BY (s.status IN ('active', 'trialing', 'past_due')) DESC, s.created_at DESC
          LIMIT 1) s ON true
    LEFT JOIN public.stripe_customers c ON c.user_id = p_user_id;
$$;

ALTER TABLE public.users                ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.stripe_customers     ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.stripe_subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.payments             ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.payment_failures     ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view own" ON public.users
  FOR SELECT TO authenticated USING (user_id = (select auth.uid())::text);
CREATE POLICY "Users can update own" ON public.users
  FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid())::text)
  WITH CHECK (user_id = (select auth.uid())::text);
CREATE POLICY "Service role can manage" ON public.users
  FOR ALL TO service_role USING (true) WITH CHECK (true);

CREATE POLICY "Users can view own" ON public.stripe_customers
  FOR SELECT TO authenticated USING (user_id = (select auth.uid())::text);
CREATE POLICY "Service role can manage" ON public.stripe_customers
  FOR ALL TO service_role USING (true) WITH CHECK (true);

CREATE POLICY "Users can view own" ON public.stripe_subscriptions
  FOR SELECT TO authenticated USING (user_id = (select auth.uid())::text);
CREATE POLICY "Service role can manage" ON public.stripe_subscriptions
  FOR ALL TO service_role USING (true) WITH CHECK (true);

CREATE POLICY "Users can view own" ON public.payments
  FOR SELECT TO authenticated USING (user_id = (select auth.uid())::text);
CREATE POLICY "Service role can manage" ON public.payments
  FOR ALL TO service_role USING (true) WITH CHECK (true);

CREATE POLICY "Users can view own" ON public.payment_failures
  FOR SELECT TO authenticated USING (user_id = (select auth.uid())::text);
CREATE POLICY "Service role can manage" ON public.payment_failures
  FOR ALL TO service_role USING (true) WITH CHECK (true);
