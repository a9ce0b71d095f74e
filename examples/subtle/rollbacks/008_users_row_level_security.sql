-- Reverse of 008_users_row_level_security.
DROP POLICY IF EXISTS admin_all_data ON public.users;
DROP POLICY IF EXISTS user_own_data ON public.users;
ALTER TABLE public.users DISABLE ROW LEVEL SECURITY;
DROP FUNCTION IF EXISTS public.app_current_user_is_admin();
DROP FUNCTION IF EXISTS public.app_current_user_id();
