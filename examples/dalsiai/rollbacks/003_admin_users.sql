-- Reverse of 003: drop the admin login function and a_users.
DROP FUNCTION IF EXISTS public.record_admin_login(uuid, inet);
DROP TABLE IF EXISTS public.a_users;
