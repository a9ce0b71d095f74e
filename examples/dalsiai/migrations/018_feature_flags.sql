-- Feature flags with percentage rollout and tier targeting, the flags the
-- application ships with, and the evaluation function.
-- Schema only partially shown in the source document ("id, name, is_enabled,
-- created_at, etc."): description, rollout_percentage, target_tiers and
-- metadata are designed.

CREATE TABLE public.feature_flags (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9_]+$'),
  description         text,
  is_enabled          boolean NOT NULL DEFAULT false,
  rollout_percentage  integer NOT NULL DEFAULT 100 CHECK (rollout_percentage BETWEEN 0 AND 100),
  target_tiers        text[] CHECK (target_tiers <@ ARRAY['free', 'pro', 'enterprise']),
  metadata            jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER feature_flags_set_updated_at
  BEFORE UPDATE ON public.feature_flags
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.feature_flags ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Anyone can read feature flags"
  ON public.feature_flags FOR SELECT TO anon, authenticated
  USING (true);

-- Not shown in the source document: the flag rows, designed from the
-- features the document describes (guest chat with sign-in friction,
-- multimodal model, API self-service, chat sharing).
INSERT INTO public.feature_flags (id, name, description, is_enabled, rollout_percentage, target_tiers) VALUES
  ('f1000000-0000-4000-8000-000000000001', 'guest_chat', 'Let visitors chat before creating an account.', true, 100, NULL),
  ('f1000000-0000-4000-8000-000000000002', 'signup_friction_prompt', 'Show the sign-in prompt to guests after a few messages.', true, 100, NULL),
  ('f1000000-0000-4000-8000-000000000003', 'dalsi_aivi_model', 'Offer the multimodal dalsi-aivi model in chat.', true, 100, '{pro,enterprise}'),
  ('f1000000-0000-4000-8000-000000000004', 'api_self_service_keys', 'Let users create API keys themselves.', false, 0, NULL),
  ('f1000000-0000-4000-8000-000000000005', 'chat_sharing', 'Share a chat by link.', true, 50, NULL);

-- Not shown in the source document: a user's stable rollout bucket 0-99 for
-- a flag (first 32 bits of md5(flag:user)), so a user keeps their answer as
-- a rollout widens.
CREATE FUNCTION public.feature_flag_bucket(p_flag_name text, p_user_id uuid)
RETURNS integer
LANGUAGE sql
IMMUTABLE
SET search_path = ''
AS $$
  SELECT ((('x' || substr(md5(p_flag_name || ':' || p_user_id::text), 1, 8))::bit(32)::bigint) % 100)::integer;
$$;

-- Not shown in the source document: is this flag on for this user? Off if the
-- flag is missing or disabled, or the user's current tier is not targeted;
-- otherwise the user falls in a stable bucket 0-99 (hash of flag and user)
-- that must be below rollout_percentage. Anonymous callers (NULL user) only
-- see flags rolled out to 100% with no tier targeting.
CREATE FUNCTION public.is_feature_enabled(p_flag_name text, p_user_id uuid DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql
STABLE
SET search_path = ''
AS $$
DECLARE
  f public.feature_flags%ROWTYPE;
BEGIN
  SELECT * INTO f FROM public.feature_flags WHERE name = p_flag_name;
  IF NOT FOUND OR NOT f.is_enabled THEN
    RETURN false;
  END IF;
  IF f.target_tiers IS NOT NULL THEN
    IF p_user_id IS NULL OR NOT (public.current_subscription_tier(p_user_id) = ANY (f.target_tiers)) THEN
      RETURN false;
    END IF;
  END IF;
  IF f.rollout_percentage >= 100 THEN
    RETURN true;
  END IF;
  IF p_user_id IS NULL OR f.rollout_percentage = 0 THEN
    RETURN false;
  END IF;
  RETURN public.feature_flag_bucket(p_flag_name, p_user_id) < f.rollout_percentage;
END;
$$;
