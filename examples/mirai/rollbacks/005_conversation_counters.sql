-- Reverse of 005_conversation_counters.
DROP TRIGGER IF EXISTS increment_user_message_counts ON public.chat_messages;
DROP FUNCTION IF EXISTS public.increment_user_message_counts();
DROP TRIGGER IF EXISTS update_conversation_stats ON public.chat_messages;
DROP FUNCTION IF EXISTS public.update_conversation_stats();
