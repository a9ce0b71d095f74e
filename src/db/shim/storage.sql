-- The `storage` schema as Supabase's storage server leaves it, reduced to what applications
-- use: buckets, objects (with the columns policies and seeds name) and the three path
-- helpers policies call. Storage's own functions, triggers and tables (search, prefixes,
-- multipart uploads, analytics buckets) are left out: only the storage server uses them.
CREATE SCHEMA IF NOT EXISTS storage;
GRANT USAGE ON SCHEMA storage TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA storage
  GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA storage
  GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA storage
  GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;

CREATE TABLE IF NOT EXISTS storage.buckets (
  id text PRIMARY KEY,
  name text NOT NULL,
  -- Deprecated by storage for owner_id, still there.
  owner uuid,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  public boolean DEFAULT false,
  avif_autodetection boolean DEFAULT false,
  file_size_limit bigint,
  allowed_mime_types text[],
  owner_id text
);
CREATE UNIQUE INDEX IF NOT EXISTS bname ON storage.buckets (name);

CREATE TABLE IF NOT EXISTS storage.objects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  bucket_id text CONSTRAINT "objects_bucketId_fkey" REFERENCES storage.buckets (id),
  name text,
  -- Deprecated by storage for owner_id, still there; no foreign key (storage dropped it).
  owner uuid,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  last_accessed_at timestamptz DEFAULT now(),
  metadata jsonb,
  path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
  version text,
  owner_id text,
  user_metadata jsonb,
  level int
);
CREATE UNIQUE INDEX IF NOT EXISTS bucketid_objname ON storage.objects (bucket_id, name);
CREATE INDEX IF NOT EXISTS name_prefix_search ON storage.objects (name text_pattern_ops);

-- Both under RLS, as on Supabase: without a policy the API roles reach nothing.
ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
GRANT ALL ON storage.buckets, storage.objects TO anon, authenticated, service_role;

-- 'a/b/c.png': foldername {a,b}, filename 'c.png', extension 'png' (the text after the last
-- dot of the file's name; the whole name when it has none), as storage defines them.
CREATE OR REPLACE FUNCTION storage.foldername(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
  SELECT parts[1 : array_length(parts, 1) - 1]
  FROM (SELECT string_to_array(name, '/') AS parts) AS split
$$;

CREATE OR REPLACE FUNCTION storage.filename(name text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT parts[array_length(parts, 1)]
  FROM (SELECT string_to_array(name, '/') AS parts) AS split
$$;

CREATE OR REPLACE FUNCTION storage.extension(name text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT reverse(split_part(reverse(parts[array_length(parts, 1)]), '.', 1))
  FROM (SELECT string_to_array(name, '/') AS parts) AS split
$$;
GRANT ALL ON FUNCTION storage.foldername(text), storage.filename(text), storage.extension(text)
  TO anon, authenticated, service_role;

DO $platform$
DECLARE
  admin text;
BEGIN
  -- A platform role the migrating role could not create is absent.
  FOREACH admin IN ARRAY ARRAY['supabase_storage_admin', 'dashboard_user'] LOOP
    CONTINUE WHEN to_regrole(admin) IS NULL;
    EXECUTE format('GRANT ALL ON SCHEMA storage TO %I', admin);
    EXECUTE format('GRANT ALL ON ALL ROUTINES IN SCHEMA storage TO %I', admin);
  END LOOP;
  IF to_regrole('supabase_storage_admin') IS NOT NULL THEN
    GRANT ALL ON ALL TABLES IN SCHEMA storage TO supabase_storage_admin;
  END IF;
END
$platform$;
