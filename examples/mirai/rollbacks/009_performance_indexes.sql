-- dbward:no-transaction
-- Reverse of 009_performance_indexes.
DROP INDEX CONCURRENTLY IF EXISTS public.idx_chat_messages_user_created;
DROP INDEX CONCURRENTLY IF EXISTS public.idx_chat_messages_conversation_recent;
DROP INDEX CONCURRENTLY IF EXISTS public.idx_conversations_user_recent;
