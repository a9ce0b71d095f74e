-- 003_chat_messages: the individual messages of a conversation and their file
-- attachments (objects in Supabase Storage).

CREATE TABLE public.chat_messages (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES public.conversations (id) ON DELETE CASCADE,
  user_id         uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  role            text NOT NULL CHECK (role IN ('user', 'assistant')),
  content         text NOT NULL,
  model           text,
  token_count     integer NOT NULL DEFAULT 0 CHECK (token_count >= 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  deleted_at      timestamptz
);

CREATE INDEX idx_chat_messages_conversation_id ON public.chat_messages (conversation_id);
CREATE INDEX idx_chat_messages_created_at ON public.chat_messages (created_at);

-- Not detailed in the source document ("references to files in Supabase
-- Storage, metadata for images and media"): designed as one row per stored
-- object, keyed by bucket and object path, with media metadata.
CREATE TABLE public.message_attachments (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  message_id   uuid NOT NULL REFERENCES public.chat_messages (id) ON DELETE CASCADE,
  user_id      uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  bucket_id    text NOT NULL DEFAULT 'chat-attachments',
  storage_path text NOT NULL,
  file_name    text NOT NULL,
  mime_type    text,
  size_bytes   bigint CHECK (size_bytes >= 0),
  width        integer CHECK (width > 0),
  height       integer CHECK (height > 0),
  metadata     jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (bucket_id, storage_path)
);

CREATE INDEX idx_message_attachments_message_id ON public.message_attachments (message_id);
CREATE INDEX idx_message_attachments_user_id ON public.message_attachments (user_id);

-- Row level security: users create and read their own messages, in their own
-- conversations only.
ALTER TABLE public.chat_messages ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view own messages"
  ON public.chat_messages FOR SELECT TO authenticated
  USING ((select auth.uid()) = user_id);

CREATE POLICY "Users can create messages in own conversations"
  ON public.chat_messages FOR INSERT TO authenticated
  WITH CHECK (
    (select auth.uid()) = user_id
    AND EXISTS (
      SELECT 1 FROM public.conversations c
      WHERE c.id = conversation_id AND c.user_id = (select auth.uid())
    )
  );

ALTER TABLE public.message_attachments ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view own attachments"
  ON public.message_attachments FOR SELECT TO authenticated
  USING ((select auth.uid()) = user_id);

CREATE POLICY "Users can attach files to own messages"
  ON public.message_attachments FOR INSERT TO authenticated
  WITH CHECK (
    (select auth.uid()) = user_id
    AND EXISTS (
      SELECT 1 FROM public.chat_messages m
      WHERE m.id = message_id AND m.user_id = (select auth.uid())
    )
  );

CREATE POLICY "Users can delete own attachments"
  ON public.message_attachments FOR DELETE TO authenticated
  USING ((select auth.uid()) = user_id);
