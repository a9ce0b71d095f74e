-- 005_conversation_counters (chat optimisation): keep the denormalised
-- counters current so list views never count rows: conversations.message_count,
-- total_tokens and last_message_at, and the user's message counters.

-- Not shown in the source document: designed as an incremental update on
-- INSERT and an exact recount on soft delete / hard delete / token correction.
CREATE FUNCTION public.update_conversation_stats()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_conversation_id uuid;
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.deleted_at IS NULL THEN
      UPDATE public.conversations AS c
         SET message_count   = c.message_count + 1,
             total_tokens    = c.total_tokens + NEW.token_count,
             last_message_at = greatest(c.last_message_at, NEW.created_at)
       WHERE c.id = NEW.conversation_id;
    END IF;
    RETURN NULL;
  END IF;

  v_conversation_id := CASE WHEN TG_OP = 'DELETE' THEN OLD.conversation_id ELSE NEW.conversation_id END;
  UPDATE public.conversations AS c
     SET message_count   = s.message_count,
         total_tokens    = s.total_tokens,
         last_message_at = s.last_message_at
    FROM (
      SELECT count(*)::integer                      AS message_count,
             coalesce(sum(m.token_count), 0)::bigint AS total_tokens,
             max(m.created_at)                       AS last_message_at
      FROM public.chat_messages AS m
      WHERE m.conversation_id = v_conversation_id
        AND m.deleted_at IS NULL
    ) AS s
   WHERE c.id = v_conversation_id;
  RETURN NULL;
END;
$$;

CREATE TRIGGER update_conversation_stats
  AFTER INSERT OR DELETE OR UPDATE OF deleted_at, token_count ON public.chat_messages
  FOR EACH ROW EXECUTE FUNCTION public.update_conversation_stats();

-- Not shown in the source document: designed to maintain
-- user_profiles.total_message_count / daily_message_count for messages the
-- user sends ("today" is the UTC day; daily_cleanup() re-bases the daily one).
CREATE FUNCTION public.increment_user_message_counts()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  UPDATE public.user_profiles AS p
     SET total_message_count = p.total_message_count + 1,
         daily_message_count = p.daily_message_count
           + CASE WHEN NEW.created_at >= date_trunc('day', now(), 'UTC') THEN 1 ELSE 0 END
   WHERE p.id = NEW.user_id;
  RETURN NULL;
END;
$$;

CREATE TRIGGER increment_user_message_counts
  AFTER INSERT ON public.chat_messages
  FOR EACH ROW WHEN (NEW.role = 'user')
  EXECUTE FUNCTION public.increment_user_message_counts();
