-- 006_stats_functions: the admin dashboard statistics functions of "Database Functions".
-- get_user_stats() is the document's body verbatim. Note that, as written, active_users_today
-- counts users CREATED since midnight (there is no last-seen column in the schema).

-- Function to get user statistics
CREATE OR REPLACE FUNCTION get_user_stats()
RETURNS TABLE(
    total_users BIGINT,
    active_users_today BIGINT,
    new_users_this_week BIGINT,
    total_usage_metrics BIGINT
) AS $$
BEGIN
    RETURN QUERY
    SELECT 
        (SELECT COUNT(*) FROM users) as total_users,
        (SELECT COUNT(*) FROM users WHERE created_at >= CURRENT_DATE) as active_users_today,
        (SELECT COUNT(*) FROM users WHERE created_at >= CURRENT_DATE - INTERVAL '7 days') as new_users_this_week,
        (SELECT COUNT(*) FROM user_usage_metrics) as total_usage_metrics;
END;
$$ LANGUAGE plpgsql;

-- Function to get user activity summary
-- Deliberate changes from the document:
--   * the parameter is TEXT, not UUID: user ids are Prisma cuid() strings stored as TEXT, and
--     "user_id = user_uuid" with a UUID parameter fails with "operator does not exist: text = uuid";
--   * most_common_action breaks ties alphabetically (ORDER BY COUNT(*) DESC, action) so the
--     result is deterministic instead of depending on the hash-aggregate order.
CREATE OR REPLACE FUNCTION get_user_activity_summary(user_uuid TEXT)
RETURNS TABLE(
    total_actions BIGINT,
    actions_this_week BIGINT,
    last_activity TIMESTAMP,
    most_common_action TEXT
) AS $$
BEGIN
    RETURN QUERY
    SELECT 
        (SELECT COUNT(*) FROM user_activity WHERE user_id = user_uuid) as total_actions,
        (SELECT COUNT(*) FROM user_activity WHERE user_id = user_uuid AND created_at >= CURRENT_DATE - INTERVAL '7 days') as actions_this_week,
        (SELECT MAX(created_at) FROM user_activity WHERE user_id = user_uuid) as last_activity,
        (SELECT action FROM user_activity WHERE user_id = user_uuid GROUP BY action ORDER BY COUNT(*) DESC, action LIMIT 1) as most_common_action;
END;
$$ LANGUAGE plpgsql;
