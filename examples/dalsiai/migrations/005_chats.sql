-- User chat sessions, with link sharing through an unguessable share_token.

CREATE TABLE public.chats (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id            uuid NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
  title              text NOT NULL DEFAULT 'New chat',
  model_type         text NOT NULL DEFAULT 'dalsi-ai' CHECK (model_type IN ('dalsi-ai', 'dalsi-aivi')),
  is_shared          boolean NOT NULL DEFAULT false,
  share_token        text UNIQUE,
  selected_model_id  uuid REFERENCES public.ai_models (id) ON DELETE SET NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT chats_shared_has_token CHECK (NOT is_shared OR share_token IS NOT NULL)
);

CREATE INDEX chats_user_id_updated_at_idx ON public.chats (user_id, updated_at DESC);
CREATE INDEX chats_selected_model_id_idx ON public.chats (selected_model_id);

CREATE TRIGGER chats_set_updated_at
  BEFORE UPDATE ON public.chats
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.chats ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view their own chats"
  ON public.chats FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()));

CREATE POLICY "Users can create their own chats"
  ON public.chats FOR INSERT TO authenticated
  WITH CHECK (user_id = (select auth.uid()));

CREATE POLICY "Users can update their own chats"
  ON public.chats FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid()))
  WITH CHECK (user_id = (select auth.uid()));

CREATE POLICY "Users can delete their own chats"
  ON public.chats FOR DELETE TO authenticated
  USING (user_id = (select auth.uid()));

-- Not shown in the source document: sharing helpers. share_chat runs with the
-- caller's rights (RLS limits it to the caller's own chats) and keeps an
-- existing token so links stay stable; unshare_chat clears it.
CREATE FUNCTION public.share_chat(p_chat_id uuid)
RETURNS text
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_token text;
BEGIN
  UPDATE public.chats
     SET is_shared = true,
         share_token = coalesce(share_token,
                                replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''))
   WHERE id = p_chat_id
  RETURNING share_token INTO v_token;
  IF v_token IS NULL THEN
    RAISE EXCEPTION 'chat % not found', p_chat_id USING ERRCODE = 'no_data_found';
  END IF;
  RETURN v_token;
END;
$$;

CREATE FUNCTION public.unshare_chat(p_chat_id uuid)
RETURNS boolean
LANGUAGE sql
SET search_path = ''
AS $$
  WITH u AS (
    UPDATE public.chats SET is_shared = false, share_token = NULL
     WHERE id = p_chat_id
    RETURNING 1
  )
  SELECT count(*) > 0 FROM u;
$$;

-- Public read of a shared chat by its token (anon has no SELECT policy on chats).
CREATE FUNCTION public.get_shared_chat(p_share_token text)
RETURNS TABLE (id uuid, title text, model_type text, selected_model_id uuid, created_at timestamptz)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT c.id, c.title, c.model_type, c.selected_model_id, c.created_at
    FROM public.chats c
   WHERE c.is_shared AND c.share_token = p_share_token;
$$;

REVOKE EXECUTE ON FUNCTION public.share_chat(uuid), public.unshare_chat(uuid) FROM PUBLIC, anon;
REVOKE EXECUTE ON FUNCTION public.get_shared_chat(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_shared_chat(text) TO anon, authenticated, service_role;
