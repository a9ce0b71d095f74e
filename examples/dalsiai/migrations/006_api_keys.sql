-- API keys for programmatic access: only a hash of the secret is stored,
-- with per-key scopes, rate limits, tier, IP allow-list and expiry.
-- Keys are minted by the server (service role); owners can read their keys.

CREATE FUNCTION public.subscription_tier_rank(p_tier text)
RETURNS integer
LANGUAGE sql
IMMUTABLE
SET search_path = ''
AS $$
  -- Not shown in the source document: orders 'free' < 'pro' < 'enterprise'
  -- so "minimum tier" rules (api_products.required_subscription_tier) can compare.
  SELECT CASE p_tier WHEN 'free' THEN 0 WHEN 'pro' THEN 1 WHEN 'enterprise' THEN 2 END;
$$;

CREATE TABLE public.api_keys (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                uuid NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
  key_hash               text NOT NULL UNIQUE,
  key_prefix             text NOT NULL,
  name                   text NOT NULL,
  is_active              boolean NOT NULL DEFAULT true,
  scopes                 jsonb NOT NULL DEFAULT '["ai.chat"]'::jsonb
                         CHECK (jsonb_typeof(scopes) = 'array'),
  rate_limit_per_minute  integer NOT NULL DEFAULT 60 CHECK (rate_limit_per_minute > 0),
  rate_limit_per_hour    integer NOT NULL DEFAULT 1000 CHECK (rate_limit_per_hour > 0),
  rate_limit_per_day     integer NOT NULL DEFAULT 10000 CHECK (rate_limit_per_day > 0),
  total_requests         integer NOT NULL DEFAULT 0,
  total_tokens_used      bigint NOT NULL DEFAULT 0,
  total_cost_usd         numeric(12, 6) NOT NULL DEFAULT 0,
  last_used_at           timestamptz,
  last_used_ip           inet,
  last_used_endpoint     text,
  subscription_tier      text NOT NULL DEFAULT 'free' CHECK (subscription_tier IN ('free', 'pro', 'enterprise')),
  expires_at             timestamptz,
  allowed_ips            inet[],
  environment            text NOT NULL DEFAULT 'production' CHECK (environment IN ('production', 'development')),
  webhook_url            text,
  is_internal            boolean NOT NULL DEFAULT false,
  revoked_at             timestamptz,
  revoked_by             uuid REFERENCES public.a_users (id) ON DELETE SET NULL,
  revoke_reason          text,
  -- Not listed in the source document: audit timestamps.
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT api_keys_revoked_is_inactive CHECK (revoked_at IS NULL OR NOT is_active)
);

CREATE INDEX api_keys_user_id_idx ON public.api_keys (user_id);
CREATE INDEX api_keys_revoked_by_idx ON public.api_keys (revoked_by);
CREATE INDEX api_keys_expires_at_idx ON public.api_keys (expires_at)
  WHERE expires_at IS NOT NULL AND revoked_at IS NULL;

CREATE TRIGGER api_keys_set_updated_at
  BEFORE UPDATE ON public.api_keys
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.api_keys ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view their own API keys"
  ON public.api_keys FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()));

-- Not shown in the source document: the gateway's key check. Given the hash
-- of a presented key and the client IP, says whether the key may be used
-- and why not ('not_found', 'revoked', 'inactive', 'expired', 'ip_not_allowed').
CREATE FUNCTION public.verify_api_key(p_key_hash text, p_ip inet DEFAULT NULL)
RETURNS TABLE (api_key_id uuid, user_id uuid, is_valid boolean, reason text)
LANGUAGE plpgsql
STABLE
SET search_path = ''
AS $$
DECLARE
  k public.api_keys%ROWTYPE;
BEGIN
  SELECT * INTO k FROM public.api_keys WHERE key_hash = p_key_hash;
  IF NOT FOUND THEN
    RETURN QUERY SELECT NULL::uuid, NULL::uuid, false, 'not_found'::text;
    RETURN;
  END IF;
  reason := CASE
    WHEN k.revoked_at IS NOT NULL THEN 'revoked'
    WHEN NOT k.is_active THEN 'inactive'
    WHEN k.expires_at IS NOT NULL AND k.expires_at <= now() THEN 'expired'
    WHEN k.allowed_ips IS NOT NULL AND cardinality(k.allowed_ips) > 0
         AND (p_ip IS NULL OR NOT (p_ip <<= ANY (k.allowed_ips))) THEN 'ip_not_allowed'
    ELSE 'ok'
  END;
  RETURN QUERY SELECT k.id, k.user_id, reason = 'ok', reason;
END;
$$;

REVOKE EXECUTE ON FUNCTION public.verify_api_key(text, inet) FROM PUBLIC, anon, authenticated;
