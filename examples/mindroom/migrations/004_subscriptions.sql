-- 004_subscriptions: subscription records mirrored from Stripe. Each one carries
-- its tier's limits (copied from tier_limits when the row is created, so an
-- enterprise contract can override them) and the daily usage counters.
--
-- Not shown in the source document: the columns and how limits are enforced.
-- Designed as: limit columns filled by a BEFORE INSERT trigger from tier_limits
-- where the insert left them NULL; at most one live subscription per account.

CREATE TYPE public.subscription_status AS ENUM
  ('trialing', 'active', 'past_due', 'paused', 'cancelled', 'incomplete');

CREATE TABLE public.subscriptions (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id             uuid NOT NULL REFERENCES public.accounts (id) ON DELETE CASCADE,
  stripe_subscription_id text UNIQUE CHECK (stripe_subscription_id ~ '^sub_[A-Za-z0-9]+$'),
  stripe_price_id        text,
  tier                   public.subscription_tier NOT NULL DEFAULT 'free' REFERENCES public.tier_limits (tier),
  status                 public.subscription_status NOT NULL DEFAULT 'active',

  -- limits, copied from tier_limits
  max_instances          integer NOT NULL CHECK (max_instances > 0),
  max_agents             integer NOT NULL CHECK (max_agents > 0),
  max_messages_per_day   integer NOT NULL CHECK (max_messages_per_day > 0),
  max_storage_gb         integer NOT NULL CHECK (max_storage_gb > 0),
  max_platforms          integer NOT NULL CHECK (max_platforms > 0),
  max_team_members       integer NOT NULL CHECK (max_team_members > 0),
  features               jsonb NOT NULL CHECK (jsonb_typeof(features) = 'object'),

  -- usage counters: messages reset daily, storage recomputed by calculate_storage_usage()
  current_messages_today integer NOT NULL DEFAULT 0 CHECK (current_messages_today >= 0),
  current_storage_gb     numeric(10,3) NOT NULL DEFAULT 0 CHECK (current_storage_gb >= 0),
  last_reset_at          date NOT NULL DEFAULT current_date,

  -- billing periods (from Stripe)
  trial_ends_at          timestamptz,
  current_period_start   timestamptz,
  current_period_end     timestamptz,
  cancel_at_period_end   boolean NOT NULL DEFAULT false,
  cancelled_at           timestamptz,

  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),

  CHECK (current_period_end IS NULL OR current_period_start IS NULL OR current_period_end > current_period_start)
);

COMMENT ON TABLE public.subscriptions IS 'Subscription records; modified only by the stripe-handler service (service role)';

CREATE INDEX subscriptions_account_id_idx ON public.subscriptions (account_id);
CREATE INDEX subscriptions_status_idx ON public.subscriptions (status);
-- One live subscription per account; cancelled and incomplete ones are history.
CREATE UNIQUE INDEX subscriptions_one_live_per_account
  ON public.subscriptions (account_id)
  WHERE status IN ('trialing', 'active', 'past_due', 'paused');

CREATE FUNCTION public.apply_tier_limits()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  t public.tier_limits%ROWTYPE;
BEGIN
  SELECT * INTO t FROM public.tier_limits WHERE tier = NEW.tier;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no tier_limits row for tier %', NEW.tier;
  END IF;
  NEW.max_instances        := coalesce(NEW.max_instances, t.max_instances);
  NEW.max_agents           := coalesce(NEW.max_agents, t.max_agents);
  NEW.max_messages_per_day := coalesce(NEW.max_messages_per_day, t.max_messages_per_day);
  NEW.max_storage_gb       := coalesce(NEW.max_storage_gb, t.max_storage_gb);
  NEW.max_platforms        := coalesce(NEW.max_platforms, t.max_platforms);
  NEW.max_team_members     := coalesce(NEW.max_team_members, t.max_team_members);
  NEW.features             := coalesce(NEW.features, t.features);
  RETURN NEW;
END;
$$;

CREATE TRIGGER subscriptions_apply_tier_limits
  BEFORE INSERT ON public.subscriptions
  FOR EACH ROW EXECUTE FUNCTION public.apply_tier_limits();

CREATE TRIGGER subscriptions_set_updated_at
  BEFORE UPDATE ON public.subscriptions
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
