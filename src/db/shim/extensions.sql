-- Supabase installs extensions in their own schema, `extensions`, and puts it on the
-- search_path, so both `gen_random_bytes()` and `extensions.uuid_generate_v4()` resolve.
CREATE SCHEMA IF NOT EXISTS extensions;
GRANT USAGE ON SCHEMA extensions TO anon, authenticated, service_role;
DO $platform$
BEGIN
  -- A platform role the migrating role could not create is absent.
  IF to_regrole('dashboard_user') IS NOT NULL THEN
    GRANT ALL ON SCHEMA extensions TO dashboard_user;
  END IF;
END
$platform$;

-- pgcrypto and uuid-ossp where the server has them and they are not installed yet (in any
-- schema: an extension lives in one). Without PostgreSQL's contrib, the shim still works,
-- and a migration that needs them fails naming the extension.
DO $extensions$
DECLARE
  wanted text;
BEGIN
  FOREACH wanted IN ARRAY ARRAY['uuid-ossp', 'pgcrypto'] LOOP
    CONTINUE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = wanted);
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = wanted);
    BEGIN
      EXECUTE format('CREATE EXTENSION %I WITH SCHEMA extensions', wanted);
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'extension % left out: the migrating role may not create it', wanted;
    END;
  END LOOP;
END
$extensions$;

-- Supabase sets `"$user", public, extensions` on its `postgres` role; on plain PostgreSQL the
-- migrating role may be any, so the shim sets it on the database (or, when the migrating
-- role does not own the database, on that role in this database). A search_path already
-- set on the database is the owner's choice and stays. It reaches new sessions only.
DO $search_path$
BEGIN
  IF EXISTS (
    SELECT 1
    FROM pg_db_role_setting s
    JOIN pg_database d ON d.oid = s.setdatabase
    WHERE d.datname = current_database()
      AND s.setrole = 0
      AND EXISTS (SELECT 1 FROM unnest(s.setconfig) c WHERE c LIKE 'search_path=%')
  ) THEN
    RETURN;
  END IF;
  BEGIN
    EXECUTE format('ALTER DATABASE %I SET search_path = "$user", public, extensions',
      current_database());
  EXCEPTION WHEN insufficient_privilege THEN
    EXECUTE format('ALTER ROLE CURRENT_USER IN DATABASE %I SET search_path = "$user", public, extensions',
      current_database());
  END;
END
$search_path$;
