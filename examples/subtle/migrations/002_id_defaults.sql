-- 002_id_defaults: database-side defaults for the primary keys.
-- Not shown in the source document: designed as follows. Prisma generates @default(cuid()) ids in
-- the client, so the generated tables have no DEFAULT on "id" and any raw SQL insert (such as the
-- document's own seed script, which omits id) would fail. We give every id a database default of
-- gen_random_uuid()::text (built into PostgreSQL 13+). Prisma keeps sending its own cuids; both
-- kinds of text ids coexist in the same TEXT primary key columns.
ALTER TABLE "users"              ALTER COLUMN "id" SET DEFAULT gen_random_uuid()::text;
ALTER TABLE "sessions"           ALTER COLUMN "id" SET DEFAULT gen_random_uuid()::text;
ALTER TABLE "user_activity"      ALTER COLUMN "id" SET DEFAULT gen_random_uuid()::text;
ALTER TABLE "admin_notes"        ALTER COLUMN "id" SET DEFAULT gen_random_uuid()::text;
ALTER TABLE "user_usage_metrics" ALTER COLUMN "id" SET DEFAULT gen_random_uuid()::text;
ALTER TABLE "billing_history"    ALTER COLUMN "id" SET DEFAULT gen_random_uuid()::text;
ALTER TABLE "audit_logs"         ALTER COLUMN "id" SET DEFAULT gen_random_uuid()::text;
