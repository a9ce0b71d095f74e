-- Reverse of 002_conversations.
DROP TABLE IF EXISTS public.conversations;
