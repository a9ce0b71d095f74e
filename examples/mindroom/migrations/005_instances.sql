-- 005_instances: MindRoom deployments. Each customer gets isolated instances,
-- each one a Dokku app with its own subdomain, agent configuration, resource
-- limits, health state and storage use.
--
-- Not shown in the source document: the columns and the lifecycle. Designed as
-- a status enum (provisioning -> running <-> paused/stopped -> deprovisioning ->
-- deprovisioned) with a trigger that stamps the lifecycle timestamps, and
-- last_activity_at (set by track_usage) that the auto-pause job reads.

CREATE TYPE public.instance_status AS ENUM
  ('provisioning', 'running', 'paused', 'stopped', 'maintenance', 'failed',
   'deprovisioning', 'deprovisioned');

CREATE TABLE public.instances (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subscription_id   uuid NOT NULL REFERENCES public.subscriptions (id) ON DELETE CASCADE,

  -- Dokku app configuration
  dokku_app_name    text NOT NULL UNIQUE CHECK (dokku_app_name ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  subdomain         text NOT NULL UNIQUE CHECK (subdomain ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  status            public.instance_status NOT NULL DEFAULT 'provisioning',
  status_reason     text,
  frontend_url      text,
  backend_url       text,
  matrix_server_url text,

  -- MindRoom configuration (agents, teams, tools, models, rooms)
  config            jsonb NOT NULL DEFAULT '{"agents": {}, "teams": {}, "tools": {}, "models": {}, "rooms": []}'::jsonb
                    CHECK (jsonb_typeof(config) = 'object'),

  -- resource limits enforced by Dokku, and measured use
  memory_limit_mb   integer NOT NULL DEFAULT 512 CHECK (memory_limit_mb > 0),
  cpu_limit         numeric(4,2) NOT NULL DEFAULT 0.50 CHECK (cpu_limit > 0),
  disk_limit_gb     integer NOT NULL DEFAULT 1 CHECK (disk_limit_gb > 0),
  storage_used_mb   integer NOT NULL DEFAULT 0 CHECK (storage_used_mb >= 0),

  -- health tracking
  health_status     text NOT NULL DEFAULT 'unknown'
                    CHECK (health_status IN ('unknown', 'healthy', 'degraded', 'unhealthy', 'critical')),
  health_details    jsonb NOT NULL DEFAULT '{}'::jsonb,
  last_health_check timestamptz,
  error_message     text,

  -- lifecycle
  last_activity_at  timestamptz,
  provisioned_at    timestamptz,
  last_started_at   timestamptz,
  last_stopped_at   timestamptz,
  deprovisioned_at  timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.instances IS 'MindRoom instance deployments (Dokku apps)';
COMMENT ON COLUMN public.instances.last_activity_at IS 'Last message seen by track_usage(); read by auto_pause_inactive_instances()';

CREATE INDEX instances_subscription_id_idx ON public.instances (subscription_id);
CREATE INDEX instances_status_idx ON public.instances (status);

CREATE FUNCTION public.handle_instance_status_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    CASE NEW.status
      WHEN 'running' THEN
        NEW.last_started_at := now();
        NEW.provisioned_at  := coalesce(NEW.provisioned_at, now());
      WHEN 'paused', 'stopped' THEN
        NEW.last_stopped_at := now();
      WHEN 'deprovisioned' THEN
        NEW.deprovisioned_at := now();
      ELSE
        NULL;
    END CASE;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER instances_status_change
  BEFORE UPDATE OF status ON public.instances
  FOR EACH ROW EXECUTE FUNCTION public.handle_instance_status_change();

CREATE TRIGGER instances_set_updated_at
  BEFORE UPDATE ON public.instances
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
