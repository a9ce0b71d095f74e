-- Reverse of 013_user_functions.
DROP FUNCTION IF EXISTS public.check_user_permission(uuid, text);
DROP FUNCTION IF EXISTS public.has_active_subscription(uuid);
DROP FUNCTION IF EXISTS public.get_all_user_instances(uuid);
DROP FUNCTION IF EXISTS public.get_user_instance(uuid);
