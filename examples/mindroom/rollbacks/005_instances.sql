-- Reverse of 005_instances.
DROP TABLE IF EXISTS public.instances;
DROP FUNCTION IF EXISTS public.handle_instance_status_change();
DROP TYPE IF EXISTS public.instance_status;
