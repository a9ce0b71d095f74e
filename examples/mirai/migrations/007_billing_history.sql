-- 007_billing_history: subscription change history and Stripe payment records,
-- plus a trigger that records every tier/status change of a profile.

-- Not detailed in the source document ("plan changes, billing events, revenue
-- tracking"): designed as one row per change, with the Stripe event that
-- caused it when there is one.
CREATE TABLE public.subscription_history (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  event_type             text NOT NULL CHECK (event_type IN
                           ('created', 'upgraded', 'downgraded', 'canceled',
                            'reactivated', 'past_due', 'renewed')),
  from_tier              text,
  to_tier                text,
  from_status            text,
  to_status              text,
  stripe_subscription_id text,
  stripe_event_id        text UNIQUE,
  amount_cents           integer CHECK (amount_cents >= 0),
  currency               text CHECK (currency ~ '^[a-z]{3}$'),
  metadata               jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at             timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idx_subscription_history_user_id ON public.subscription_history (user_id, created_at DESC);

CREATE TABLE public.payment_history (
  id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                  uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  stripe_payment_intent_id text UNIQUE,
  stripe_invoice_id        text,
  amount_cents             integer NOT NULL CHECK (amount_cents >= 0),
  currency                 text NOT NULL DEFAULT 'usd' CHECK (currency ~ '^[a-z]{3}$'),
  status                   text NOT NULL CHECK (status IN ('succeeded', 'pending', 'failed', 'refunded')),
  subscription_tier        text,
  description              text,
  created_at               timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idx_payment_history_user_id ON public.payment_history (user_id, created_at DESC);

-- Not shown in the source document: designed so that the Stripe webhook only
-- has to update user_profiles; the history row follows automatically.
-- A tier change is an upgrade/downgrade (free < pro < enterprise); otherwise
-- the status change decides (canceled, past_due, or reactivated).
CREATE FUNCTION public.log_subscription_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_old_rank integer := array_position(ARRAY['free', 'pro', 'enterprise'], OLD.subscription_tier);
  v_new_rank integer := array_position(ARRAY['free', 'pro', 'enterprise'], NEW.subscription_tier);
  v_event    text;
BEGIN
  v_event := CASE
    WHEN v_new_rank > v_old_rank THEN 'upgraded'
    WHEN v_new_rank < v_old_rank THEN 'downgraded'
    WHEN NEW.subscription_status = 'canceled' THEN 'canceled'
    WHEN NEW.subscription_status = 'past_due' THEN 'past_due'
    ELSE 'reactivated'
  END;

  INSERT INTO public.subscription_history
         (user_id, event_type, from_tier, to_tier, from_status, to_status, stripe_subscription_id)
  VALUES (NEW.id, v_event, OLD.subscription_tier, NEW.subscription_tier,
          OLD.subscription_status, NEW.subscription_status, NEW.stripe_subscription_id);
  RETURN NULL;
END;
$$;

CREATE TRIGGER log_subscription_change
  AFTER UPDATE OF subscription_tier, subscription_status ON public.user_profiles
  FOR EACH ROW
  WHEN (OLD.subscription_tier IS DISTINCT FROM NEW.subscription_tier
        OR OLD.subscription_status IS DISTINCT FROM NEW.subscription_status)
  EXECUTE FUNCTION public.log_subscription_change();

-- Row level security: users read their own billing history; only the server writes.
ALTER TABLE public.subscription_history ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view own subscription history"
  ON public.subscription_history FOR SELECT TO authenticated
  USING ((select auth.uid()) = user_id);

ALTER TABLE public.payment_history ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view own payments"
  ON public.payment_history FOR SELECT TO authenticated
  USING ((select auth.uid()) = user_id);
