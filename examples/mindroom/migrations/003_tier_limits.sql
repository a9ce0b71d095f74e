-- 003_tier_limits: the four billing tiers (free, starter, professional,
-- enterprise) and the limits and features each one grants. Reference data the
-- platform needs to run, so the rows live here and not in a fixture.
--
-- Not shown in the source document: the numbers. The document says the
-- subscriptions enforce message, storage and agent limits, that paid tiers get
-- priority support, that backups have retention policies and that unused free
-- instances are paused. Designed as one row per tier holding all of that, so the
-- functions read limits from data instead of hard-coding them.

CREATE TYPE public.subscription_tier AS ENUM ('free', 'starter', 'professional', 'enterprise');

CREATE TABLE public.tier_limits (
  tier                  public.subscription_tier PRIMARY KEY,
  display_name          text NOT NULL,
  monthly_price_cents   integer CHECK (monthly_price_cents >= 0),  -- NULL: priced per contract
  max_instances         integer NOT NULL CHECK (max_instances > 0),
  max_agents            integer NOT NULL CHECK (max_agents > 0),
  max_messages_per_day  integer NOT NULL CHECK (max_messages_per_day > 0),
  max_storage_gb        integer NOT NULL CHECK (max_storage_gb > 0),
  max_platforms         integer NOT NULL CHECK (max_platforms > 0),
  max_team_members      integer NOT NULL CHECK (max_team_members > 0),
  memory_limit_mb       integer NOT NULL CHECK (memory_limit_mb > 0),
  cpu_limit             numeric(4,2) NOT NULL CHECK (cpu_limit > 0),
  backup_retention_days integer NOT NULL CHECK (backup_retention_days > 0),
  auto_pause_after_days integer CHECK (auto_pause_after_days > 0),   -- NULL: never auto-paused
  priority_support      boolean NOT NULL DEFAULT false,
  features              jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(features) = 'object'),
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.tier_limits IS 'Limits and feature flags of each subscription tier (copied onto subscriptions)';

CREATE TRIGGER tier_limits_set_updated_at
  BEFORE UPDATE ON public.tier_limits
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

INSERT INTO public.tier_limits
  (tier, display_name, monthly_price_cents, max_instances, max_agents, max_messages_per_day,
   max_storage_gb, max_platforms, max_team_members, memory_limit_mb, cpu_limit,
   backup_retention_days, auto_pause_after_days, priority_support, features)
VALUES
  ('free', 'Free', 0, 1, 1, 100, 1, 1, 1, 512, 0.50, 7, 7, false,
   '{"custom_agents": false, "api_access": false, "priority_support": false, "advanced_memory": false,
     "voice_messages": false, "file_uploads": false, "team_collaboration": false}'),
  ('starter', 'Starter', 1900, 1, 3, 1000, 5, 3, 1, 1024, 1.00, 14, NULL, false,
   '{"custom_agents": false, "api_access": true, "priority_support": false, "advanced_memory": true,
     "voice_messages": true, "file_uploads": true, "team_collaboration": false}'),
  ('professional', 'Professional', 4900, 3, 10, 10000, 50, 10, 5, 2048, 2.00, 30, NULL, true,
   '{"custom_agents": true, "api_access": true, "priority_support": true, "advanced_memory": true,
     "voice_messages": true, "file_uploads": true, "team_collaboration": true}'),
  ('enterprise', 'Enterprise', NULL, 10, 100, 100000, 500, 100, 50, 4096, 4.00, 90, NULL, true,
   '{"custom_agents": true, "api_access": true, "priority_support": true, "advanced_memory": true,
     "voice_messages": true, "file_uploads": true, "team_collaboration": true}');
