-- User subscriptions (the plan a user pays for) and the helper that tells
-- a user's current tier.
-- Not shown in the source document ("referenced but schema not shown"):
-- designed as one row per subscription with tier, status and billing period,
-- as a Stripe-style billing integration would keep them.

CREATE TABLE public.user_subscriptions (
  id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                   uuid NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
  tier                      text NOT NULL CHECK (tier IN ('free', 'pro', 'enterprise')),
  status                    text NOT NULL DEFAULT 'active'
                            CHECK (status IN ('trialing', 'active', 'past_due', 'cancelled', 'expired')),
  billing_interval          text NOT NULL DEFAULT 'month' CHECK (billing_interval IN ('month', 'year')),
  price_usd                 numeric(10, 2) NOT NULL DEFAULT 0 CHECK (price_usd >= 0),
  current_period_start      timestamptz NOT NULL DEFAULT now(),
  current_period_end        timestamptz NOT NULL,
  cancel_at_period_end      boolean NOT NULL DEFAULT false,
  cancelled_at              timestamptz,
  payment_provider          text,
  provider_subscription_id  text UNIQUE,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT user_subscriptions_period_order CHECK (current_period_end > current_period_start)
);

CREATE INDEX user_subscriptions_user_id_idx ON public.user_subscriptions (user_id, created_at DESC);
-- At most one live subscription per user.
CREATE UNIQUE INDEX user_subscriptions_one_live_per_user
  ON public.user_subscriptions (user_id) WHERE status IN ('trialing', 'active', 'past_due');

CREATE TRIGGER user_subscriptions_set_updated_at
  BEFORE UPDATE ON public.user_subscriptions
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.user_subscriptions ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view their own subscriptions"
  ON public.user_subscriptions FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()));

-- Not shown in the source document: a user's effective tier is that of their
-- trialing/active/past_due subscription whose period has not ended; once the
-- period is over (or there is none) they are back on 'free'.
CREATE FUNCTION public.current_subscription_tier(p_user_id uuid)
RETURNS text
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT coalesce((
    SELECT s.tier FROM public.user_subscriptions s
     WHERE s.user_id = p_user_id
       AND s.status IN ('trialing', 'active', 'past_due')
       AND s.current_period_end > now()
     ORDER BY s.current_period_end DESC
     LIMIT 1
  ), 'free');
$$;
