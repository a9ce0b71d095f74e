-- 003_create_conversations: conversation history (replaces the old file-based
-- storage); the id is the UUID string the frontend generates.

CREATE TABLE public.conversations (
  id         text        NOT NULL PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  messages   jsonb       NOT NULL DEFAULT '[]'::jsonb,
  metadata   jsonb
);

COMMENT ON TABLE public.conversations IS 'Conversation history (replacing file-based storage)';

CREATE INDEX idx_conversations_created_at ON public.conversations (created_at DESC);
CREATE INDEX idx_conversations_updated_at ON public.conversations (updated_at DESC);

CREATE TRIGGER update_conversations_updated_at
  BEFORE UPDATE ON public.conversations
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

-- Creates a conversation or replaces its messages. Not shown in the source
-- document: designed so that a NULL metadata keeps the stored metadata.
CREATE OR REPLACE FUNCTION public.upsert_conversation(
  p_id text, p_messages jsonb, p_metadata jsonb DEFAULT NULL)
RETURNS public.conversations
LANGUAGE sql
SET search_path = ''
AS $$
  INSERT INTO public.conversations AS c (id, messages, metadata)
  VALUES (p_id, coalesce(p_messages, '[]'::jsonb), p_metadata)
  ON CONFLICT (id) DO UPDATE
    SET messages = EXCLUDED.messages,
        metadata = coalesce(EXCLUDED.metadata, c.metadata),
        updated_at = now()
  RETURNING c.*;
$$;

-- Appends one message to a conversation (creating the conversation if it does
-- not exist yet). Not shown in the source document: designed as an atomic
-- jsonb append so concurrent appends never lose a message.
CREATE OR REPLACE FUNCTION public.add_conversation_message(p_id text, p_message jsonb)
RETURNS public.conversations
LANGUAGE sql
SET search_path = ''
AS $$
  INSERT INTO public.conversations AS c (id, messages)
  VALUES (p_id, jsonb_build_array(p_message))
  ON CONFLICT (id) DO UPDATE
    SET messages = c.messages || jsonb_build_array(p_message),
        updated_at = now()
  RETURNING c.*;
$$;

ALTER TABLE public.conversations ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Service role has full access" ON public.conversations
  FOR ALL TO service_role USING (true) WITH CHECK (true);

CREATE POLICY "Anonymous can manage" ON public.conversations
  FOR ALL TO anon USING (true) WITH CHECK (true);
