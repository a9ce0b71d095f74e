-- Supabase made the API roles INHERIT in 2023 (they were NOINHERIT, as dbward's first shim
-- made them). Run only where the shim's `auth` is being made or upgraded, so a cluster of
-- a real Supabase is never changed; a migrating role that may not alter them leaves them.
DO $inherit$
DECLARE
  api_role text;
BEGIN
  FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = api_role AND NOT rolinherit) THEN
      BEGIN
        EXECUTE format('ALTER ROLE %I INHERIT', api_role);
      EXCEPTION WHEN insufficient_privilege THEN
        NULL;
      END;
    END IF;
  END LOOP;
END
$inherit$;
