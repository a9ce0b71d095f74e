-- Reverses 003_create_conversations.
DROP POLICY IF EXISTS "Anonymous can manage" ON public.conversations;
DROP POLICY IF EXISTS "Service role has full access" ON public.conversations;
DROP FUNCTION IF EXISTS public.add_conversation_message(text, jsonb);
DROP FUNCTION IF EXISTS public.upsert_conversation(text, jsonb, jsonb);
DROP TRIGGER IF EXISTS update_conversations_updated_at ON public.conversations;
DROP TABLE IF EXISTS public.conversations;
