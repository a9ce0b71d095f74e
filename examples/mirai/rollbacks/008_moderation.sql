-- Reverse of 008_moderation.
DROP FUNCTION IF EXISTS public.record_violation(uuid, text, text, uuid, text);
DROP FUNCTION IF EXISTS public.is_user_suspended(uuid);
DROP TABLE IF EXISTS public.user_violations;
DROP TABLE IF EXISTS public.moderation_logs;
