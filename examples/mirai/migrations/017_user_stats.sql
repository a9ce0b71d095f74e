-- 017_user_stats: get_user_stats(user_id), the statistics of the user dashboard.

-- Not shown in the source document (columns and body): designed as one row
-- with conversation, message and token totals, today's usage against the plan
-- limit, unread notifications and activity dates. SECURITY DEFINER for speed
-- (no per-row RLS), guarded so a signed-in user can only ask about themself.
CREATE FUNCTION public.get_user_stats(p_user_id uuid)
RETURNS TABLE (
  total_conversations      bigint,
  active_conversations     bigint,
  starred_conversations    bigint,
  archived_conversations   bigint,
  total_messages           bigint,
  messages_today           bigint,
  total_tokens             bigint,
  tokens_last_30_days      bigint,
  subscription_tier        text,
  subscription_status      text,
  daily_message_limit      integer,
  messages_remaining_today integer,
  unread_notifications     bigint,
  member_since             timestamptz,
  last_seen_at             timestamptz
)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
#variable_conflict use_column
BEGIN
  IF NOT public.is_self_or_service(p_user_id) THEN
    RAISE EXCEPTION 'get_user_stats: cannot read another user''s statistics' USING ERRCODE = '42501';
  END IF;

  RETURN QUERY
  WITH conv AS (
    SELECT count(*)                                      AS total,
           count(*) FILTER (WHERE NOT c.is_archived)     AS active,
           count(*) FILTER (WHERE c.is_starred)          AS starred,
           count(*) FILTER (WHERE c.is_archived)         AS archived,
           coalesce(sum(c.message_count), 0)::bigint     AS messages,
           coalesce(sum(c.total_tokens), 0)::bigint      AS tokens
    FROM public.conversations AS c
    WHERE c.user_id = p_user_id AND c.deleted_at IS NULL
  ),
  today AS (
    SELECT count(*) AS sent
    FROM public.chat_messages AS m
    WHERE m.user_id = p_user_id
      AND m.role = 'user'
      AND m.deleted_at IS NULL
      AND m.created_at >= date_trunc('day', now(), 'UTC')
  ),
  usage30 AS (
    SELECT coalesce(sum(l.total_tokens), 0)::bigint AS tokens
    FROM public.usage_logs AS l
    WHERE l.user_id = p_user_id
      AND l.created_at >= now() - interval '30 days'
  ),
  plan AS (
    SELECT p.subscription_tier, p.subscription_status, p.created_at, p.last_seen_at,
           CASE WHEN p.subscription_status = 'canceled' THEN 'free' ELSE p.subscription_tier END AS effective_tier
    FROM public.user_profiles AS p
    WHERE p.id = p_user_id
  ),
  lim AS (
    SELECT t.daily_limit
    FROM plan JOIN public.tier_limits AS t
      ON t.subscription_tier = plan.effective_tier AND t.limit_type = 'messages'
  ),
  used AS (
    SELECT coalesce(max(r.count) FILTER (WHERE r.reset_at > now()), 0) AS count
    FROM public.rate_limits AS r
    WHERE r.user_id = p_user_id AND r.limit_type = 'messages'
  ),
  unread AS (
    SELECT count(*) AS n
    FROM public.notifications AS n
    WHERE n.user_id = p_user_id AND NOT n.is_read
  )
  SELECT conv.total, conv.active, conv.starred, conv.archived,
         conv.messages, today.sent, conv.tokens, usage30.tokens,
         plan.subscription_tier, plan.subscription_status,
         (SELECT lim.daily_limit FROM lim),
         CASE WHEN (SELECT lim.daily_limit FROM lim) IS NULL THEN NULL
              ELSE greatest((SELECT lim.daily_limit FROM lim) - used.count, 0) END,
         unread.n, plan.created_at, plan.last_seen_at
  FROM plan, conv, today, usage30, used, unread;
END;
$$;
