-- Reverse of 009_instance_backups.
DROP TABLE IF EXISTS public.instance_backups;
DROP FUNCTION IF EXISTS public.set_backup_retention();
