-- API products (what a key can call, at which price, for which tier and
-- scopes), with the product catalog the application ships with.

CREATE TABLE public.api_products (
  id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                        text NOT NULL UNIQUE,
  display_name                text NOT NULL,
  description                 text,
  category                    text NOT NULL,
  base_price_usd              numeric(10, 2) NOT NULL DEFAULT 0 CHECK (base_price_usd >= 0),
  price_per_1k_tokens         numeric(10, 6) NOT NULL DEFAULT 0 CHECK (price_per_1k_tokens >= 0),
  max_tokens_per_request      integer NOT NULL DEFAULT 2048 CHECK (max_tokens_per_request > 0),
  endpoints                   text[] NOT NULL DEFAULT '{}',
  required_scopes             text[] NOT NULL DEFAULT '{}',
  required_subscription_tier  text NOT NULL DEFAULT 'free'
                              CHECK (required_subscription_tier IN ('free', 'pro', 'enterprise')),
  is_active                   boolean NOT NULL DEFAULT true,
  is_public                   boolean NOT NULL DEFAULT true,
  -- Not listed in the source document: audit timestamps.
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER api_products_set_updated_at
  BEFORE UPDATE ON public.api_products
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.api_products ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Anyone can view public active API products"
  ON public.api_products FOR SELECT TO anon, authenticated
  USING (is_active AND is_public);

-- Not shown in the source document: the product rows. Designed from the
-- scopes the document names ('ai.chat', 'ai.code', 'ai.image'); prices illustrative.
INSERT INTO public.api_products
  (id, name, display_name, description, category, base_price_usd, price_per_1k_tokens,
   max_tokens_per_request, endpoints, required_scopes, required_subscription_tier, is_active, is_public)
VALUES
  ('b1000000-0000-4000-8000-000000000001', 'ai-chat', 'Dalsi AI Chat', 'Conversational text completions.',
   'text', 0, 0.002000, 2048, '{/v1/chat/completions}', '{ai.chat}', 'free', true, true),
  ('b1000000-0000-4000-8000-000000000002', 'ai-code', 'Dalsi AI Code', 'Code generation and explanation.',
   'code', 9.00, 0.004000, 4096, '{/v1/code/completions,/v1/code/explain}', '{ai.code}', 'pro', true, true),
  ('b1000000-0000-4000-8000-000000000003', 'ai-image', 'Dalsi AIVI Image', 'Image understanding and generation.',
   'multimodal', 29.00, 0.020000, 1024, '{/v1/images/generate,/v1/images/describe}', '{ai.image}', 'enterprise', true, true);

-- Not shown in the source document: may this key call this product?
-- True when the product is active, the key holds every required scope and
-- the key's tier is at least the product's minimum tier.
CREATE FUNCTION public.api_key_can_use_product(p_api_key_id uuid, p_product_name text)
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT coalesce((
    SELECT p.is_active
       AND public.subscription_tier_rank(k.subscription_tier)
           >= public.subscription_tier_rank(p.required_subscription_tier)
       AND NOT EXISTS (SELECT 1 FROM unnest(p.required_scopes) AS s(scope)
                        WHERE NOT (k.scopes ? s.scope))
      FROM public.api_keys k, public.api_products p
     WHERE k.id = p_api_key_id AND p.name = p_product_name
  ), false);
$$;

REVOKE EXECUTE ON FUNCTION public.api_key_can_use_product(uuid, text) FROM PUBLIC, anon;
