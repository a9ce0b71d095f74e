-- Reverse of 004_performance_indexes.
DROP INDEX IF EXISTS idx_audit_logs_created_at;
DROP INDEX IF EXISTS idx_audit_logs_user_id;
DROP INDEX IF EXISTS idx_audit_logs_admin_id;

DROP INDEX IF EXISTS idx_billing_history_created_at;
DROP INDEX IF EXISTS idx_billing_history_status;
DROP INDEX IF EXISTS idx_billing_history_user_id;

DROP INDEX IF EXISTS idx_user_usage_metrics_feature_type;
DROP INDEX IF EXISTS idx_user_usage_metrics_created_at;
DROP INDEX IF EXISTS idx_user_usage_metrics_user_id;

DROP INDEX IF EXISTS idx_admin_notes_is_flagged;
DROP INDEX IF EXISTS idx_admin_notes_admin_id;
DROP INDEX IF EXISTS idx_admin_notes_user_id;

DROP INDEX IF EXISTS idx_user_activity_created_at;
DROP INDEX IF EXISTS idx_user_activity_user_id;

DROP INDEX IF EXISTS idx_sessions_expires_at;
DROP INDEX IF EXISTS idx_sessions_user_id;

DROP INDEX IF EXISTS idx_users_created_at;
DROP INDEX IF EXISTS idx_users_subscription_tier;
DROP INDEX IF EXISTS idx_users_email;
