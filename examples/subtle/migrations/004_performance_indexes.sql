-- 004_performance_indexes: the "Database Indexes" section of the document, verbatim.
-- Note: idx_users_email duplicates the unique index users_email_key that Prisma already created;
-- it is kept because the document lists it.
CREATE INDEX idx_users_email ON users(email);
CREATE INDEX idx_users_subscription_tier ON users(subscription_tier);
CREATE INDEX idx_users_created_at ON users(created_at);

CREATE INDEX idx_sessions_user_id ON sessions(user_id);
CREATE INDEX idx_sessions_expires_at ON sessions(expires_at);

CREATE INDEX idx_user_activity_user_id ON user_activity(user_id);
CREATE INDEX idx_user_activity_created_at ON user_activity(created_at);

CREATE INDEX idx_admin_notes_user_id ON admin_notes(user_id);
CREATE INDEX idx_admin_notes_admin_id ON admin_notes(admin_id);
CREATE INDEX idx_admin_notes_is_flagged ON admin_notes(is_flagged);

CREATE INDEX idx_user_usage_metrics_user_id ON user_usage_metrics(user_id);
CREATE INDEX idx_user_usage_metrics_created_at ON user_usage_metrics(created_at);
CREATE INDEX idx_user_usage_metrics_feature_type ON user_usage_metrics(feature_type);

CREATE INDEX idx_billing_history_user_id ON billing_history(user_id);
CREATE INDEX idx_billing_history_status ON billing_history(status);
CREATE INDEX idx_billing_history_created_at ON billing_history(created_at);

CREATE INDEX idx_audit_logs_admin_id ON audit_logs(admin_id);
CREATE INDEX idx_audit_logs_user_id ON audit_logs(user_id);
CREATE INDEX idx_audit_logs_created_at ON audit_logs(created_at);
