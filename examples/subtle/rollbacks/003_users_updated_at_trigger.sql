-- Reverse of 003_users_updated_at_trigger.
DROP TRIGGER IF EXISTS users_set_updated_at ON public.users;
DROP FUNCTION IF EXISTS public.set_users_updated_at();
