-- Reverse of 002: remove the auth.users trigger, its function and public.users.
DROP TRIGGER IF EXISTS on_auth_user_changed ON auth.users;
DROP FUNCTION IF EXISTS public.handle_auth_user_change();
DROP TABLE IF EXISTS public.users;
