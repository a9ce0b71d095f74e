-- The roles Supabase's own migrations create and that application migrations grant to, alter
-- or `SET ROLE` to. Roles belong to the whole cluster: only a missing one is created (two
-- databases of one cluster may run this at the same moment, so one that appears meanwhile is
-- not an error), and an existing one is never changed here.
--
-- Departure from Supabase, on purpose: every role is NOLOGIN and has no password (Supabase
-- lets authenticator, supabase_admin and the *_admin roles log in), and supabase_admin is
-- not a superuser. What only a superuser may grant (REPLICATION, BYPASSRLS) is left out of a
-- platform role when the migrating role may not grant it, and a platform role the migrating
-- role may not create at all is left out (the API roles are required, as they always were).
DO $roles$
DECLARE
  -- name, attributes (Supabase's, minus LOGIN and SUPERUSER), the same without what only a
  -- superuser may give ('' when there is no such fallback), whether the shim needs it.
  wanted text[][] := ARRAY[
    ['anon', 'NOLOGIN INHERIT', '', 'required'],
    ['authenticated', 'NOLOGIN INHERIT', '', 'required'],
    ['service_role', 'NOLOGIN INHERIT BYPASSRLS', '', 'required'],
    ['authenticator', 'NOLOGIN NOINHERIT', '', 'optional'],
    ['supabase_admin', 'NOLOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE REPLICATION BYPASSRLS',
      'NOLOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE', 'optional'],
    ['supabase_auth_admin', 'NOLOGIN NOINHERIT CREATEROLE NOREPLICATION', '', 'optional'],
    ['supabase_storage_admin', 'NOLOGIN NOINHERIT CREATEROLE NOREPLICATION', '', 'optional'],
    ['dashboard_user', 'NOLOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE REPLICATION',
      'NOLOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE', 'optional']
  ];
  -- member, role it is granted (Supabase's memberships among these roles).
  memberships text[][] := ARRAY[
    ['authenticator', 'anon'],
    ['authenticator', 'authenticated'],
    ['authenticator', 'service_role'],
    ['authenticator', 'supabase_admin'],
    ['supabase_storage_admin', 'authenticator']
  ];
  made text[] := '{}';
  i int;
BEGIN
  FOR i IN 1 .. array_length(wanted, 1) LOOP
    CONTINUE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = wanted[i][1]);
    BEGIN
      EXECUTE format('CREATE ROLE %I %s', wanted[i][1], wanted[i][2]);
      made := made || wanted[i][1];
    EXCEPTION
      WHEN duplicate_object OR unique_violation THEN
        NULL;
      WHEN insufficient_privilege THEN
        IF wanted[i][4] = 'required' THEN
          RAISE;
        END IF;
        BEGIN
          IF wanted[i][3] = '' THEN
            RAISE insufficient_privilege;
          END IF;
          EXECUTE format('CREATE ROLE %I %s', wanted[i][1], wanted[i][3]);
          made := made || wanted[i][1];
        EXCEPTION WHEN insufficient_privilege THEN
          RAISE NOTICE 'role % left out: the migrating role may not create it', wanted[i][1];
        END;
    END;
  END LOOP;
  -- Memberships and settings only for the roles made here: an existing role is not ours.
  FOR i IN 1 .. array_length(memberships, 1) LOOP
    IF memberships[i][1] = ANY (made) THEN
      BEGIN
        EXECUTE format('GRANT %I TO %I', memberships[i][2], memberships[i][1]);
      EXCEPTION WHEN insufficient_privilege THEN
        NULL;
      END;
    END IF;
  END LOOP;
  IF 'supabase_auth_admin' = ANY (made) THEN
    ALTER ROLE supabase_auth_admin SET search_path = auth;
  END IF;
  IF 'supabase_storage_admin' = ANY (made) THEN
    ALTER ROLE supabase_storage_admin SET search_path = storage;
  END IF;
END
$roles$;
