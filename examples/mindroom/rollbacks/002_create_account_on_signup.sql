-- Reverse of 002_create_account_on_signup: take the triggers off auth.users.
DROP TRIGGER IF EXISTS on_auth_user_email_changed ON auth.users;
DROP TRIGGER IF EXISTS on_auth_user_created ON auth.users;
DROP FUNCTION IF EXISTS public.handle_user_email_change();
DROP FUNCTION IF EXISTS public.handle_new_user();
