-- 004_chat_search_functions: full-text search over a user's messages and the
-- optimised conversation list (each conversation with its newest message).

-- GIN index the search predicate below uses (same expression, same config).
-- chat_messages ships in the same release (003), empty, so a plain build blocks nobody.
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX idx_chat_messages_content_search
  ON public.chat_messages USING gin (to_tsvector('english', content));

-- search_messages: full-text search across the caller's own messages.
-- Not shown in the source document (signature and body): designed as a
-- SECURITY INVOKER function (RLS applies) taking a web-style query
-- ("borrow checker", "kyoto -hotel", "\"exact phrase\""), skipping soft-deleted
-- messages and conversations, ranked by ts_rank, with a highlighted snippet.
CREATE FUNCTION public.search_messages(
  search_query text,
  match_limit  integer DEFAULT 20,
  match_offset integer DEFAULT 0
)
RETURNS TABLE (
  message_id         uuid,
  conversation_id    uuid,
  conversation_title text,
  role               text,
  snippet            text,
  rank               real,
  created_at         timestamptz
)
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT m.id,
         m.conversation_id,
         c.title,
         m.role,
         ts_headline('english', m.content, q.query,
                     'MaxWords=30, MinWords=10, StartSel=<mark>, StopSel=</mark>'),
         ts_rank(to_tsvector('english', m.content), q.query),
         m.created_at
  FROM websearch_to_tsquery('english', search_query) AS q(query)
  JOIN public.chat_messages AS m
    ON to_tsvector('english', m.content) @@ q.query
  JOIN public.conversations AS c
    ON c.id = m.conversation_id
  WHERE m.user_id = (select auth.uid())
    AND m.deleted_at IS NULL
    AND c.deleted_at IS NULL
  ORDER BY 6 DESC, m.created_at DESC, m.id
  LIMIT least(greatest(coalesce(match_limit, 20), 1), 100)
  OFFSET greatest(coalesce(match_offset, 0), 0);
$$;

-- get_conversations_with_last_message: the sidebar list in one round trip.
-- Not shown in the source document (signature and body): designed as a
-- SECURITY INVOKER function returning the caller's non-deleted conversations,
-- newest activity first, each with a 200-character preview of its newest
-- non-deleted message; archived ones only on request.
CREATE FUNCTION public.get_conversations_with_last_message(
  p_limit            integer DEFAULT 50,
  p_offset           integer DEFAULT 0,
  p_include_archived boolean DEFAULT false
)
RETURNS TABLE (
  id                   uuid,
  title                text,
  model                text,
  is_starred           boolean,
  is_archived          boolean,
  message_count        integer,
  total_tokens         bigint,
  created_at           timestamptz,
  updated_at           timestamptz,
  last_message_at      timestamptz,
  last_message_content text,
  last_message_role    text
)
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT c.id, c.title, c.model, c.is_starred, c.is_archived,
         c.message_count, c.total_tokens, c.created_at, c.updated_at,
         c.last_message_at, lm.preview, lm.role
  FROM public.conversations AS c
  LEFT JOIN LATERAL (
    SELECT left(m.content, 200) AS preview, m.role
    FROM public.chat_messages AS m
    WHERE m.conversation_id = c.id
      AND m.deleted_at IS NULL
    ORDER BY m.created_at DESC, m.id DESC
    LIMIT 1
  ) AS lm ON true
  WHERE c.user_id = (select auth.uid())
    AND c.deleted_at IS NULL
    AND (coalesce(p_include_archived, false) OR NOT c.is_archived)
  ORDER BY coalesce(c.last_message_at, c.created_at) DESC, c.id
  LIMIT least(greatest(coalesce(p_limit, 50), 1), 200)
  OFFSET greatest(coalesce(p_offset, 0), 0);
$$;
