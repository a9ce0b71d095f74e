-- Reverse of 015_instance_management_functions.
DROP FUNCTION IF EXISTS public.update_instance_health(uuid, text, jsonb, text);
DROP FUNCTION IF EXISTS public.deprovision_instance(uuid, text);
DROP FUNCTION IF EXISTS public.provision_instance(uuid, jsonb);
