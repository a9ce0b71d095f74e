-- Reverse of 004_chat_search_functions.
DROP FUNCTION IF EXISTS public.get_conversations_with_last_message(integer, integer, boolean);
DROP FUNCTION IF EXISTS public.search_messages(text, integer, integer);
DROP INDEX IF EXISTS public.idx_chat_messages_content_search;
