-- Reverse of 011_activity_tracking.
DROP TRIGGER IF EXISTS update_user_last_seen ON public.analytics_events;
DROP FUNCTION IF EXISTS public.update_user_last_seen();
DROP TRIGGER IF EXISTS track_signup ON public.user_profiles;
DROP FUNCTION IF EXISTS public.track_signup();
DROP TRIGGER IF EXISTS track_message_sent ON public.chat_messages;
DROP FUNCTION IF EXISTS public.track_message_sent();
DROP TRIGGER IF EXISTS track_new_conversation ON public.conversations;
DROP FUNCTION IF EXISTS public.track_new_conversation();
ALTER TABLE public.user_profiles DROP COLUMN IF EXISTS last_seen_at;
