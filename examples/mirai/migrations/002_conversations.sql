-- 002_conversations: conversation threads between a user and the AI, with
-- organisation flags, soft delete and denormalised counters.

CREATE TABLE public.conversations (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  title           text NOT NULL DEFAULT 'New conversation' CHECK (char_length(title) <= 200),
  model           text NOT NULL DEFAULT 'gpt-4',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  last_message_at timestamptz,
  is_starred      boolean NOT NULL DEFAULT false,
  is_archived     boolean NOT NULL DEFAULT false,
  deleted_at      timestamptz,
  message_count   integer NOT NULL DEFAULT 0 CHECK (message_count >= 0),
  total_tokens    bigint NOT NULL DEFAULT 0 CHECK (total_tokens >= 0)
);

COMMENT ON COLUMN public.conversations.last_message_at IS 'Denormalised: created_at of the newest non-deleted message.';
COMMENT ON COLUMN public.conversations.message_count IS 'Denormalised: number of non-deleted messages.';

CREATE INDEX idx_conversations_user_id ON public.conversations (user_id);
CREATE INDEX idx_conversations_last_message_at ON public.conversations (last_message_at DESC);
CREATE INDEX idx_conversations_is_archived ON public.conversations (is_archived);

CREATE TRIGGER set_conversations_updated_at
  BEFORE UPDATE ON public.conversations
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- Row level security: full CRUD on owned conversations.
ALTER TABLE public.conversations ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view own conversations"
  ON public.conversations FOR SELECT TO authenticated
  USING ((select auth.uid()) = user_id);

CREATE POLICY "Users can create own conversations"
  ON public.conversations FOR INSERT TO authenticated
  WITH CHECK ((select auth.uid()) = user_id);

CREATE POLICY "Users can update own conversations"
  ON public.conversations FOR UPDATE TO authenticated
  USING ((select auth.uid()) = user_id)
  WITH CHECK ((select auth.uid()) = user_id);

CREATE POLICY "Users can delete own conversations"
  ON public.conversations FOR DELETE TO authenticated
  USING ((select auth.uid()) = user_id);
