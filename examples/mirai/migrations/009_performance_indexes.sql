-- 009_performance_indexes: index optimisation for the hot paths (the
-- conversation list, a conversation's messages, per-user message history),
-- partial on soft delete so deleted rows never bloat them.

CREATE INDEX idx_conversations_user_recent
  ON public.conversations (user_id, last_message_at DESC NULLS LAST)
  WHERE deleted_at IS NULL;

CREATE INDEX idx_chat_messages_conversation_recent
  ON public.chat_messages (conversation_id, created_at DESC)
  WHERE deleted_at IS NULL;

CREATE INDEX idx_chat_messages_user_created
  ON public.chat_messages (user_id, created_at DESC);
