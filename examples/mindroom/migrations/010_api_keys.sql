-- 010_api_keys: API keys for programmatic access to instances, with permission
-- scoping. Only a SHA-256 hash of the key is stored, plus a short prefix to
-- recognise it by.
--
-- Not shown in the source document: the columns and the scoping. Designed as a
-- permission list from a fixed vocabulary, an optional instance_id that limits
-- the key to one instance, and expires_at / revoked_at for the cleanup job.

CREATE TABLE public.api_keys (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id   uuid NOT NULL REFERENCES public.accounts (id) ON DELETE CASCADE,
  instance_id  uuid REFERENCES public.instances (id) ON DELETE CASCADE,  -- NULL: every instance of the account
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  key_hash     text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  key_prefix   text NOT NULL CHECK (length(key_prefix) BETWEEN 4 AND 16),
  permissions  text[] NOT NULL DEFAULT ARRAY['read']::text[]
               CHECK (cardinality(permissions) > 0
                      AND permissions <@ ARRAY['read', 'write', 'manage_instances', 'usage', 'billing']::text[]),
  last_used_at timestamptz,
  expires_at   timestamptz,
  is_active    boolean NOT NULL DEFAULT true,
  revoked_at   timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (is_active OR revoked_at IS NOT NULL)
);

COMMENT ON TABLE public.api_keys IS 'API keys (hashed) for programmatic access to instances';
COMMENT ON COLUMN public.api_keys.key_hash IS 'hex SHA-256 of the key; the key itself is shown once and never stored';

CREATE INDEX api_keys_account_id_idx ON public.api_keys (account_id);
CREATE INDEX api_keys_key_prefix_idx ON public.api_keys (key_prefix);

CREATE TRIGGER api_keys_set_updated_at
  BEFORE UPDATE ON public.api_keys
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
