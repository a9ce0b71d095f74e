-- dbward:no-transaction
-- 009_performance_indexes: index optimisation for the hot paths (the
-- conversation list, a conversation's messages, per-user message history),
-- partial on soft delete so deleted rows never bloat them. The tables already hold
-- production data when this runs, so the indexes are built CONCURRENTLY (no write lock),
-- which needs the file to run outside a transaction.

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_conversations_user_recent
  ON public.conversations (user_id, last_message_at DESC NULLS LAST)
  WHERE deleted_at IS NULL;

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_chat_messages_conversation_recent
  ON public.chat_messages (conversation_id, created_at DESC)
  WHERE deleted_at IS NULL;

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_chat_messages_user_created
  ON public.chat_messages (user_id, created_at DESC);
