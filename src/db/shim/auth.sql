-- The `auth` schema as Supabase's GoTrue leaves it, reduced to what applications read and
-- write: `auth.users`, `auth.identities` and the request helpers. Written so that it also
-- upgrades dbward's first shim (which had a shorter `auth.users`): each column is added
-- where missing, in GoTrue's order.
CREATE SCHEMA IF NOT EXISTS auth;

CREATE TABLE IF NOT EXISTS auth.users (
  instance_id uuid,
  id uuid PRIMARY KEY
);
ALTER TABLE auth.users
  ADD COLUMN IF NOT EXISTS aud varchar(255),
  ADD COLUMN IF NOT EXISTS role varchar(255),
  ADD COLUMN IF NOT EXISTS email varchar(255),
  ADD COLUMN IF NOT EXISTS encrypted_password varchar(255),
  ADD COLUMN IF NOT EXISTS email_confirmed_at timestamptz,
  ADD COLUMN IF NOT EXISTS invited_at timestamptz,
  ADD COLUMN IF NOT EXISTS confirmation_token varchar(255),
  ADD COLUMN IF NOT EXISTS confirmation_sent_at timestamptz,
  ADD COLUMN IF NOT EXISTS recovery_token varchar(255),
  ADD COLUMN IF NOT EXISTS recovery_sent_at timestamptz,
  ADD COLUMN IF NOT EXISTS email_change_token_new varchar(255),
  ADD COLUMN IF NOT EXISTS email_change varchar(255),
  ADD COLUMN IF NOT EXISTS email_change_sent_at timestamptz,
  ADD COLUMN IF NOT EXISTS last_sign_in_at timestamptz,
  ADD COLUMN IF NOT EXISTS raw_app_meta_data jsonb,
  ADD COLUMN IF NOT EXISTS raw_user_meta_data jsonb,
  ADD COLUMN IF NOT EXISTS is_super_admin boolean,
  -- GoTrue gives these no default; the shim keeps the one its first version gave.
  ADD COLUMN IF NOT EXISTS created_at timestamptz DEFAULT now(),
  ADD COLUMN IF NOT EXISTS updated_at timestamptz DEFAULT now(),
  ADD COLUMN IF NOT EXISTS phone text UNIQUE DEFAULT NULL,
  ADD COLUMN IF NOT EXISTS phone_confirmed_at timestamptz,
  ADD COLUMN IF NOT EXISTS phone_change text DEFAULT '',
  ADD COLUMN IF NOT EXISTS phone_change_token varchar(255) DEFAULT '',
  ADD COLUMN IF NOT EXISTS phone_change_sent_at timestamptz;
ALTER TABLE auth.users
  ADD COLUMN IF NOT EXISTS confirmed_at timestamptz
    GENERATED ALWAYS AS (least(email_confirmed_at, phone_confirmed_at)) STORED,
  ADD COLUMN IF NOT EXISTS email_change_token_current varchar(255) DEFAULT '',
  ADD COLUMN IF NOT EXISTS email_change_confirm_status smallint DEFAULT 0
    CHECK (email_change_confirm_status BETWEEN 0 AND 2),
  ADD COLUMN IF NOT EXISTS banned_until timestamptz,
  ADD COLUMN IF NOT EXISTS reauthentication_token varchar(255) DEFAULT '',
  ADD COLUMN IF NOT EXISTS reauthentication_sent_at timestamptz,
  ADD COLUMN IF NOT EXISTS is_sso_user boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS deleted_at timestamptz,
  ADD COLUMN IF NOT EXISTS is_anonymous boolean NOT NULL DEFAULT false;
-- One account per email, except SSO accounts, as GoTrue has it.
CREATE UNIQUE INDEX IF NOT EXISTS users_email_partial_key ON auth.users (email)
  WHERE is_sso_user = false;
CREATE INDEX IF NOT EXISTS users_instance_id_idx ON auth.users (instance_id);
CREATE INDEX IF NOT EXISTS users_is_anonymous_idx ON auth.users (is_anonymous);
ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;

-- A user's sign-in methods (email, OAuth providers): what `handle_new_user` triggers and
-- seeds of Supabase apps write next to `auth.users`.
CREATE TABLE IF NOT EXISTS auth.identities (
  provider_id text NOT NULL,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  identity_data jsonb NOT NULL,
  provider text NOT NULL,
  last_sign_in_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz,
  email text GENERATED ALWAYS AS (lower(identity_data ->> 'email')) STORED,
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  CONSTRAINT identities_provider_id_provider_unique UNIQUE (provider_id, provider)
);
CREATE INDEX IF NOT EXISTS identities_user_id_idx ON auth.identities (user_id);
CREATE INDEX IF NOT EXISTS identities_email_idx ON auth.identities (email text_pattern_ops);
ALTER TABLE auth.identities ENABLE ROW LEVEL SECURITY;

-- The request helpers read what PostgREST sets per request: today the whole JWT as
-- `request.jwt.claims`, before that one setting per claim (`request.jwt.claim.sub`), which
-- Supabase's definitions still read first.
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

CREATE OR REPLACE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

CREATE OR REPLACE FUNCTION auth.email() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

-- The API roles may call the helpers but not read the tables (GoTrue grants them nothing
-- there); GoTrue's own role and the dashboard's have it all.
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.email(), auth.jwt()
  TO anon, authenticated, service_role;
DO $platform$
DECLARE
  admin text;
BEGIN
  -- A platform role the migrating role could not create is absent.
  FOREACH admin IN ARRAY ARRAY['supabase_auth_admin', 'dashboard_user'] LOOP
    CONTINUE WHEN to_regrole(admin) IS NULL;
    EXECUTE format('GRANT ALL ON SCHEMA auth TO %I', admin);
    EXECUTE format('GRANT ALL ON ALL TABLES IN SCHEMA auth TO %I', admin);
    EXECUTE format('GRANT ALL ON ALL ROUTINES IN SCHEMA auth TO %I', admin);
  END LOOP;
END
$platform$;

-- Supabase exposes everything in `public` to the API roles; RLS is what stands between a
-- table and the world. Mirror that so the same holes show.
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT EXECUTE ON FUNCTIONS TO anon, authenticated, service_role;
