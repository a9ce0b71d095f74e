-- Catalog of AI models users can pick in a chat, with the models the
-- application ships with (reference data, so it lives in a migration).

CREATE TABLE public.ai_models (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                   text NOT NULL,
  version                text NOT NULL,
  type                   text NOT NULL CHECK (type IN ('text', 'multimodal')),
  capabilities           jsonb NOT NULL DEFAULT '{}'::jsonb,
  pricing                jsonb NOT NULL DEFAULT '{}'::jsonb,
  is_active              boolean NOT NULL DEFAULT true,
  requires_subscription  boolean NOT NULL DEFAULT false,
  -- Not listed in the source document: audit timestamps as on its other tables.
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ai_models_name_version_key UNIQUE (name, version)
);

CREATE TRIGGER ai_models_set_updated_at
  BEFORE UPDATE ON public.ai_models
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.ai_models ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Anyone can view active models"
  ON public.ai_models FOR SELECT TO anon, authenticated
  USING (is_active);

-- Not shown in the source document: the model rows. Designed from the chat
-- model_type values ('dalsi-ai', 'dalsi-aivi'); prices are illustrative.
INSERT INTO public.ai_models (id, name, version, type, capabilities, pricing, is_active, requires_subscription) VALUES
  ('a1000000-0000-4000-8000-000000000001', 'dalsi-ai', '1.0', 'text',
   '{"chat": true, "code": true, "vision": false, "max_context_tokens": 8192}',
   '{"currency": "USD", "input_per_1k_tokens": 0.0005, "output_per_1k_tokens": 0.0015}', true, false),
  ('a1000000-0000-4000-8000-000000000002', 'dalsi-aivi', '1.0', 'multimodal',
   '{"chat": true, "code": true, "vision": true, "image_generation": true, "max_context_tokens": 16384}',
   '{"currency": "USD", "input_per_1k_tokens": 0.0020, "output_per_1k_tokens": 0.0060, "per_image": 0.02}', true, true),
  ('a1000000-0000-4000-8000-000000000003', 'dalsi-ai', '0.9', 'text',
   '{"chat": true, "code": false, "vision": false, "max_context_tokens": 4096}',
   '{"currency": "USD", "input_per_1k_tokens": 0.0003, "output_per_1k_tokens": 0.0010}', false, false);
