-- 005_create_brand_profiles: brand voice profiles used to keep generated
-- content consistent, with the per-user default profile switch.

CREATE TABLE public.brand_profiles (
  id              uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  name            text        NOT NULL,
  slug            text        NOT NULL UNIQUE,
  tone_keywords   text[]      NOT NULL DEFAULT '{}',
  writing_style   text        NOT NULL DEFAULT 'balanced',
  example_content text,
  industry        text,
  target_audience text,
  preferred_words text[]      DEFAULT '{}',
  avoid_words     text[]      DEFAULT '{}',
  brand_values    text[]      DEFAULT '{}',
  content_themes  text[]      DEFAULT '{}',
  user_hash       text,
  is_active       boolean     NOT NULL DEFAULT true,
  is_default      boolean     NOT NULL DEFAULT false
);

COMMENT ON TABLE public.brand_profiles IS 'Brand voice profiles for consistent content generation';

CREATE INDEX idx_brand_profiles_slug ON public.brand_profiles (slug);
CREATE INDEX idx_brand_profiles_user_hash ON public.brand_profiles (user_hash)
  WHERE user_hash IS NOT NULL;
CREATE INDEX idx_brand_profiles_tone_keywords ON public.brand_profiles USING gin (tone_keywords);

CREATE TRIGGER update_brand_profiles_updated_at
  BEFORE UPDATE ON public.brand_profiles
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

-- Makes one profile the user's default and clears the flag on the user's
-- other profiles. Not shown in the source document: designed to raise when
-- the profile does not exist or does not belong to that user_hash, so a
-- caller can never flip someone else's profiles.
CREATE OR REPLACE FUNCTION public.set_default_brand_profile(p_profile_id uuid, p_user_hash text)
RETURNS void
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF p_user_hash IS NULL OR NOT EXISTS (
       SELECT 1 FROM public.brand_profiles
        WHERE id = p_profile_id AND user_hash = p_user_hash) THEN
    RAISE EXCEPTION 'brand profile % not found for this user', p_profile_id
      USING ERRCODE = 'no_data_found';
  END IF;

  UPDATE public.brand_profiles
     SET is_default = (id = p_profile_id)
   WHERE user_hash = p_user_hash
     AND is_default IS DISTINCT FROM (id = p_profile_id);
END;
$$;

ALTER TABLE public.brand_profiles ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Service role has full access" ON public.brand_profiles
  FOR ALL TO service_role USING (true) WITH CHECK (true);

-- Known issue (fixed in 013): the *own* policies never compare the hash.
CREATE POLICY "Anonymous can read own" ON public.brand_profiles
  FOR SELECT TO anon USING (user_hash IS NOT NULL);

CREATE POLICY "Anonymous can create" ON public.brand_profiles
  FOR INSERT TO anon WITH CHECK (true);

CREATE POLICY "Anonymous can update own" ON public.brand_profiles
  FOR UPDATE TO anon USING (user_hash IS NOT NULL) WITH CHECK (user_hash IS NOT NULL);

CREATE POLICY "Anonymous can delete own" ON public.brand_profiles
  FOR DELETE TO anon USING (user_hash IS NOT NULL);
