-- Reverses 013_fix_rls_ownership: restores exactly the previous (gappy)
-- policies of 001, 005, 006 and 009, then drops current_user_hash().

-- voice_* ---------------------------------------------------------------------
DROP POLICY IF EXISTS "Users can manage via profile" ON public.voice_scores;
DROP POLICY IF EXISTS "Users can manage via profile" ON public.voice_fingerprints;
DROP POLICY IF EXISTS "Users can manage via profile" ON public.voice_samples;

CREATE POLICY "Users can manage via profile" ON public.voice_samples
  FOR ALL TO anon
  USING (EXISTS (SELECT 1 FROM public.brand_profiles WHERE user_hash IS NOT NULL))
  WITH CHECK (EXISTS (SELECT 1 FROM public.brand_profiles WHERE user_hash IS NOT NULL));
CREATE POLICY "Users can manage via profile" ON public.voice_fingerprints
  FOR SELECT TO anon
  USING (EXISTS (SELECT 1 FROM public.brand_profiles WHERE user_hash IS NOT NULL));
CREATE POLICY "Users can manage via profile" ON public.voice_scores
  FOR SELECT TO anon
  USING (EXISTS (SELECT 1 FROM public.brand_profiles WHERE user_hash IS NOT NULL));

-- brand_profiles --------------------------------------------------------------
DROP POLICY IF EXISTS "Anonymous can create" ON public.brand_profiles;
DROP POLICY IF EXISTS "Users can delete own" ON public.brand_profiles;
DROP POLICY IF EXISTS "Users can update own" ON public.brand_profiles;
DROP POLICY IF EXISTS "Users can create own" ON public.brand_profiles;
DROP POLICY IF EXISTS "Users can read own" ON public.brand_profiles;

CREATE POLICY "Anonymous can read own" ON public.brand_profiles
  FOR SELECT TO anon USING (user_hash IS NOT NULL);
CREATE POLICY "Anonymous can create" ON public.brand_profiles
  FOR INSERT TO anon WITH CHECK (true);
CREATE POLICY "Anonymous can update own" ON public.brand_profiles
  FOR UPDATE TO anon USING (user_hash IS NOT NULL) WITH CHECK (user_hash IS NOT NULL);
CREATE POLICY "Anonymous can delete own" ON public.brand_profiles
  FOR DELETE TO anon USING (user_hash IS NOT NULL);

-- templates -------------------------------------------------------------------
DROP POLICY IF EXISTS "Anonymous can create" ON public.templates;
DROP POLICY IF EXISTS "Users can delete own" ON public.templates;
DROP POLICY IF EXISTS "Users can update own" ON public.templates;
DROP POLICY IF EXISTS "Users can create own" ON public.templates;
DROP POLICY IF EXISTS "Users can read public or own" ON public.templates;

CREATE POLICY "Anonymous can create" ON public.templates
  FOR INSERT TO anon WITH CHECK (true);
CREATE POLICY "Users can update own" ON public.templates
  FOR UPDATE TO anon USING (user_hash IS NOT NULL) WITH CHECK (user_hash IS NOT NULL);
CREATE POLICY "Users can delete own" ON public.templates
  FOR DELETE TO anon USING (user_hash IS NOT NULL);

-- generated_content -----------------------------------------------------------
DROP POLICY IF EXISTS "Anonymous can insert" ON public.generated_content;
DROP POLICY IF EXISTS "Users can insert own content" ON public.generated_content;
DROP POLICY IF EXISTS "Users can read own content" ON public.generated_content;

CREATE POLICY "Anonymous can insert" ON public.generated_content
  FOR INSERT TO anon WITH CHECK (true);
CREATE POLICY "Users can read own content" ON public.generated_content
  FOR SELECT TO anon USING (user_hash IS NOT NULL);

DROP FUNCTION IF EXISTS public.current_user_hash();
