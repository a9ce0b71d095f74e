-- Reverse of 007_session_cleanup.
DROP FUNCTION IF EXISTS public.cleanup_expired_sessions();
