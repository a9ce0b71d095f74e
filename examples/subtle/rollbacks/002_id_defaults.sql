-- Reverse of 002_id_defaults: remove the database-side id defaults (back to Prisma's client-side cuids).
ALTER TABLE "audit_logs"         ALTER COLUMN "id" DROP DEFAULT;
ALTER TABLE "billing_history"    ALTER COLUMN "id" DROP DEFAULT;
ALTER TABLE "user_usage_metrics" ALTER COLUMN "id" DROP DEFAULT;
ALTER TABLE "admin_notes"        ALTER COLUMN "id" DROP DEFAULT;
ALTER TABLE "user_activity"      ALTER COLUMN "id" DROP DEFAULT;
ALTER TABLE "sessions"           ALTER COLUMN "id" DROP DEFAULT;
ALTER TABLE "users"              ALTER COLUMN "id" DROP DEFAULT;
