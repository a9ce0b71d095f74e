-- Reverse of 016_waitlist.
DROP TRIGGER IF EXISTS convert_waitlist_signup ON public.user_profiles;
DROP FUNCTION IF EXISTS public.convert_waitlist_signup();
DROP TABLE IF EXISTS public.waitlist;
