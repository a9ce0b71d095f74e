-- Reverse of 014_notifications.
DROP TRIGGER IF EXISTS welcome_new_user ON public.user_profiles;
DROP FUNCTION IF EXISTS public.welcome_new_user();
DROP TABLE IF EXISTS public.notifications;
DROP FUNCTION IF EXISTS public.stamp_notification_read_at();
