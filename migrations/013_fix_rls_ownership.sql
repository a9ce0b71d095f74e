-- 013_fix_rls_ownership: closes the RLS gaps listed under "Known Issues":
-- the "own" policies on generated_content, templates and brand_profiles only
-- tested user_hash IS NOT NULL, and the voice_* policies tested that *some*
-- profile had an owner; none compared ownership with the caller.
--
-- Ownership is now checked for signed-in users: user_hash is the hex SHA-256
-- of the user's auth uid (public.current_user_hash()), which is what the
-- backend stores. Not shown in the source document: that hash scheme.
-- The anonymous INSERT policies are narrowed to ownerless rows (user_hash IS
-- NULL): with real ownership checks, an open INSERT would let anyone plant
-- rows in someone else's history. The service-role policies, "Anonymous can
-- read public" on templates and the conversations policies are unchanged.

CREATE OR REPLACE FUNCTION public.current_user_hash()
RETURNS text
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT encode(sha256(convert_to((SELECT auth.uid())::text, 'UTF8')), 'hex');
$$;

COMMENT ON FUNCTION public.current_user_hash() IS
  'user_hash of the calling user: hex SHA-256 of auth.uid() (NULL when anonymous)';

-- generated_content -----------------------------------------------------------
DROP POLICY "Users can read own content" ON public.generated_content;
DROP POLICY "Anonymous can insert" ON public.generated_content;

CREATE POLICY "Users can read own content" ON public.generated_content
  FOR SELECT TO authenticated
  USING (user_hash = (SELECT public.current_user_hash()));
CREATE POLICY "Users can insert own content" ON public.generated_content
  FOR INSERT TO authenticated
  WITH CHECK (user_hash = (SELECT public.current_user_hash()));
CREATE POLICY "Anonymous can insert" ON public.generated_content
  FOR INSERT TO anon WITH CHECK (user_hash IS NULL);

-- templates -------------------------------------------------------------------
DROP POLICY "Users can update own" ON public.templates;
DROP POLICY "Users can delete own" ON public.templates;
DROP POLICY "Anonymous can create" ON public.templates;

CREATE POLICY "Users can read public or own" ON public.templates
  FOR SELECT TO authenticated
  USING (is_public = true OR user_hash = (SELECT public.current_user_hash()));
CREATE POLICY "Users can create own" ON public.templates
  FOR INSERT TO authenticated
  WITH CHECK (user_hash = (SELECT public.current_user_hash()));
CREATE POLICY "Users can update own" ON public.templates
  FOR UPDATE TO authenticated
  USING (user_hash = (SELECT public.current_user_hash()))
  WITH CHECK (user_hash = (SELECT public.current_user_hash()));
CREATE POLICY "Users can delete own" ON public.templates
  FOR DELETE TO authenticated
  USING (user_hash = (SELECT public.current_user_hash()));
CREATE POLICY "Anonymous can create" ON public.templates
  FOR INSERT TO anon WITH CHECK (user_hash IS NULL);

-- brand_profiles --------------------------------------------------------------
DROP POLICY "Anonymous can read own" ON public.brand_profiles;
DROP POLICY "Anonymous can update own" ON public.brand_profiles;
DROP POLICY "Anonymous can delete own" ON public.brand_profiles;
DROP POLICY "Anonymous can create" ON public.brand_profiles;

CREATE POLICY "Users can read own" ON public.brand_profiles
  FOR SELECT TO authenticated
  USING (user_hash = (SELECT public.current_user_hash()));
CREATE POLICY "Users can create own" ON public.brand_profiles
  FOR INSERT TO authenticated
  WITH CHECK (user_hash = (SELECT public.current_user_hash()));
CREATE POLICY "Users can update own" ON public.brand_profiles
  FOR UPDATE TO authenticated
  USING (user_hash = (SELECT public.current_user_hash()))
  WITH CHECK (user_hash = (SELECT public.current_user_hash()));
CREATE POLICY "Users can delete own" ON public.brand_profiles
  FOR DELETE TO authenticated
  USING (user_hash = (SELECT public.current_user_hash()));
CREATE POLICY "Anonymous can create" ON public.brand_profiles
  FOR INSERT TO anon WITH CHECK (user_hash IS NULL);

-- voice_samples, voice_fingerprints, voice_scores: through the row's profile --
DROP POLICY "Users can manage via profile" ON public.voice_samples;
DROP POLICY "Users can manage via profile" ON public.voice_fingerprints;
DROP POLICY "Users can manage via profile" ON public.voice_scores;

CREATE POLICY "Users can manage via profile" ON public.voice_samples
  FOR ALL TO authenticated
  USING (EXISTS (SELECT 1 FROM public.brand_profiles bp
                  WHERE bp.id = voice_samples.profile_id
                    AND bp.user_hash = (SELECT public.current_user_hash())))
  WITH CHECK (EXISTS (SELECT 1 FROM public.brand_profiles bp
                       WHERE bp.id = voice_samples.profile_id
                         AND bp.user_hash = (SELECT public.current_user_hash())));
CREATE POLICY "Users can manage via profile" ON public.voice_fingerprints
  FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.brand_profiles bp
                  WHERE bp.id = voice_fingerprints.profile_id
                    AND bp.user_hash = (SELECT public.current_user_hash())));
CREATE POLICY "Users can manage via profile" ON public.voice_scores
  FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.brand_profiles bp
                  WHERE bp.id = voice_scores.profile_id
                    AND bp.user_hash = (SELECT public.current_user_hash())));
