-- Reverse of 001_user_profiles.
DROP TRIGGER IF EXISTS on_auth_user_created ON auth.users;
DROP FUNCTION IF EXISTS public.handle_new_user();
DROP TABLE IF EXISTS public.user_profiles;
DROP FUNCTION IF EXISTS public.set_updated_at();
