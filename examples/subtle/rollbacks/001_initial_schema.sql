-- Reverse of 001_initial_schema: drop the Phase 1 tables, dependants (FK holders) before users.
DROP TABLE IF EXISTS "audit_logs";
DROP TABLE IF EXISTS "billing_history";
DROP TABLE IF EXISTS "user_usage_metrics";
DROP TABLE IF EXISTS "admin_notes";
DROP TABLE IF EXISTS "user_activity";
DROP TABLE IF EXISTS "sessions";
DROP TABLE IF EXISTS "users";
