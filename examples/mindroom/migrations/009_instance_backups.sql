-- 009_instance_backups: automatic and manual backups of instance data, with the
-- retention data the cleanup job needs (retention_days, expires_at, and the
-- expired -> deleted hand-off with the object store).
--
-- Not shown in the source document: the columns and the retention policy.
-- Designed as: retention_days defaults to the tier's backup_retention_days,
-- expires_at = created_at + retention_days; cleanup_expired_data() marks a
-- completed backup 'expired' once past expires_at (never the newest completed
-- backup of a live instance); the instance-provisioner then deletes the object
-- and sets status 'deleted' and deleted_at; the row itself is purged later.

CREATE TABLE public.instance_backups (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  instance_id     uuid NOT NULL REFERENCES public.instances (id) ON DELETE CASCADE,
  backup_type     text NOT NULL CHECK (backup_type IN ('automatic', 'manual', 'pre_upgrade', 'pre_deprovision')),
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'in_progress', 'completed', 'failed', 'expired', 'deleted')),
  backup_location text,             -- object storage URL, set when the backup completes
  size_mb         integer CHECK (size_mb >= 0),
  error_message   text,
  retention_days  integer NOT NULL CHECK (retention_days > 0),
  expires_at      timestamptz NOT NULL,
  requested_by    uuid REFERENCES public.accounts (id) ON DELETE SET NULL,
  started_at      timestamptz,
  completed_at    timestamptz,
  expired_at      timestamptz,
  deleted_at      timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (status <> 'completed' OR backup_location IS NOT NULL),
  CHECK (status <> 'deleted' OR deleted_at IS NOT NULL)
);

COMMENT ON TABLE public.instance_backups IS 'Backups of instance data with their retention';

CREATE INDEX instance_backups_instance_id_idx ON public.instance_backups (instance_id, created_at DESC);
CREATE INDEX instance_backups_expires_at_idx ON public.instance_backups (expires_at) WHERE status = 'completed';

CREATE FUNCTION public.set_backup_retention()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF NEW.retention_days IS NULL THEN
    SELECT t.backup_retention_days INTO NEW.retention_days
      FROM public.instances i
      JOIN public.subscriptions s ON s.id = i.subscription_id
      JOIN public.tier_limits t ON t.tier = s.tier
     WHERE i.id = NEW.instance_id;
    NEW.retention_days := coalesce(NEW.retention_days, 30);
  END IF;
  NEW.created_at := coalesce(NEW.created_at, now());
  NEW.expires_at := coalesce(NEW.expires_at, NEW.created_at + make_interval(days => NEW.retention_days));
  RETURN NEW;
END;
$$;

CREATE TRIGGER instance_backups_set_retention
  BEFORE INSERT ON public.instance_backups
  FOR EACH ROW EXECUTE FUNCTION public.set_backup_retention();

CREATE TRIGGER instance_backups_set_updated_at
  BEFORE UPDATE ON public.instance_backups
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
