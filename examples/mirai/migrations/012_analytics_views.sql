-- 012_analytics_views: insight views for product decisions.
-- Both are security_invoker (RLS of the caller applies) and are not exposed to
-- the API roles: they are read from the dashboard/SQL editor or service_role.

-- active_users_summary: daily / weekly / monthly active users.
-- Not shown in the source document: designed as one row of rolling windows
-- (24 h, 7 d, 30 d); "active" means at least one tracked analytics event.
CREATE VIEW public.active_users_summary
WITH (security_invoker = true) AS
SELECT
  count(DISTINCT e.user_id) FILTER (WHERE e.created_at >= now() - interval '1 day')   AS daily_active_users,
  count(DISTINCT e.user_id) FILTER (WHERE e.created_at >= now() - interval '7 days')  AS weekly_active_users,
  count(DISTINCT e.user_id)                                                            AS monthly_active_users,
  (SELECT count(*) FROM public.user_profiles)                                          AS total_users,
  now()                                                                                AS computed_at
FROM public.analytics_events AS e
WHERE e.user_id IS NOT NULL
  AND e.created_at >= now() - interval '30 days';

-- feature_usage: message counts and token usage trends.
-- Not shown in the source document: designed as one row per UTC day and model
-- over the last 30 days, from non-deleted messages (a message without its own
-- model counts under its conversation's model).
CREATE VIEW public.feature_usage
WITH (security_invoker = true) AS
SELECT
  (m.created_at AT TIME ZONE 'UTC')::date                 AS usage_date,
  coalesce(m.model, c.model)                              AS model,
  count(*) FILTER (WHERE m.role = 'user')                 AS user_messages,
  count(*) FILTER (WHERE m.role = 'assistant')            AS assistant_messages,
  count(DISTINCT m.conversation_id)                       AS conversations,
  count(DISTINCT m.user_id)                               AS active_users,
  coalesce(sum(m.token_count), 0)                         AS total_tokens
FROM public.chat_messages AS m
JOIN public.conversations AS c ON c.id = m.conversation_id
WHERE m.deleted_at IS NULL
  AND m.created_at >= now() - interval '30 days'
GROUP BY 1, 2;

REVOKE ALL ON public.active_users_summary, public.feature_usage FROM anon, authenticated;
