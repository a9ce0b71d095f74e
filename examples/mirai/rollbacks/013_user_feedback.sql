-- Reverse of 013_user_feedback.
DROP TABLE IF EXISTS public.user_feedback;
