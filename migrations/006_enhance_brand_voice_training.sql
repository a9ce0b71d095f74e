-- 006_enhance_brand_voice_training: voice training samples, the aggregated
-- voice fingerprint per profile, consistency scores of generated content,
-- and the training columns on brand_profiles.
-- brand_profiles -> voice_fingerprints is added with ALTER TABLE after
-- voice_fingerprints exists (voice_fingerprints also references
-- brand_profiles: the documented circular reference).

CREATE TABLE public.voice_samples (
  id                 uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  profile_id         uuid        NOT NULL REFERENCES public.brand_profiles (id) ON DELETE CASCADE,
  created_at         timestamptz NOT NULL DEFAULT now(),
  title              text,
  content            text        NOT NULL,
  content_type       text        NOT NULL DEFAULT 'text',
  word_count         integer     NOT NULL DEFAULT 0,
  source_url         text,
  source_platform    text,
  is_analyzed        boolean     NOT NULL DEFAULT false,
  analysis_result    jsonb       DEFAULT '{}'::jsonb,
  quality_score      double precision DEFAULT 0.0,
  is_primary_example boolean     DEFAULT false
);

COMMENT ON TABLE public.voice_samples IS 'Content samples used to train brand voice profiles';
COMMENT ON COLUMN public.voice_samples.content_type IS 'text / blog / email / social';

CREATE TABLE public.voice_fingerprints (
  id                 uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  profile_id         uuid        NOT NULL REFERENCES public.brand_profiles (id) ON DELETE CASCADE,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  vocabulary_profile jsonb       DEFAULT '{}'::jsonb,
  sentence_patterns  jsonb       DEFAULT '{}'::jsonb,
  tone_distribution  jsonb       DEFAULT '{}'::jsonb,
  style_metrics      jsonb       DEFAULT '{}'::jsonb,
  voice_summary      text,
  embedding_vector   double precision[] DEFAULT '{}',
  embedding_model    text,
  sample_count       integer     DEFAULT 0,
  last_trained_at    timestamptz,
  training_quality   double precision DEFAULT 0.0
);

COMMENT ON TABLE public.voice_fingerprints IS 'Aggregated voice characteristics extracted from samples (one per profile)';

CREATE TABLE public.voice_scores (
  id               uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  profile_id       uuid        NOT NULL REFERENCES public.brand_profiles (id) ON DELETE CASCADE,
  content_id       text        NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  overall_score    double precision NOT NULL,
  tone_match       double precision NOT NULL,
  vocabulary_match double precision NOT NULL,
  style_match      double precision NOT NULL,
  feedback         jsonb       DEFAULT '{}'::jsonb,
  deviations       jsonb       DEFAULT '{}'::jsonb
);

COMMENT ON TABLE public.voice_scores IS 'Consistency scores of generated content against a brand voice';

ALTER TABLE public.brand_profiles
  ADD COLUMN voice_fingerprint_id uuid
    REFERENCES public.voice_fingerprints (id) ON DELETE SET NULL,
  ADD COLUMN training_status  text             DEFAULT 'untrained',
  ADD COLUMN training_quality double precision DEFAULT 0.0,
  ADD COLUMN sample_count     integer          DEFAULT 0;

CREATE INDEX idx_voice_samples_profile  ON public.voice_samples (profile_id);
CREATE INDEX idx_voice_samples_analyzed ON public.voice_samples (is_analyzed)
  WHERE is_analyzed = false;
-- The UNIQUE on voice_fingerprints.profile_id (one fingerprint per profile).
CREATE UNIQUE INDEX idx_voice_fingerprints_profile ON public.voice_fingerprints (profile_id);
CREATE INDEX idx_voice_scores_profile ON public.voice_scores (profile_id);
CREATE INDEX idx_voice_scores_content ON public.voice_scores (content_id);

CREATE TRIGGER update_voice_fingerprints_updated_at
  BEFORE UPDATE ON public.voice_fingerprints
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

ALTER TABLE public.voice_samples      ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.voice_fingerprints ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.voice_scores       ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Service role has full access" ON public.voice_samples
  FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON public.voice_fingerprints
  FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON public.voice_scores
  FOR ALL TO service_role USING (true) WITH CHECK (true);

-- Known issue (fixed in 013): the EXISTS never ties the row to the profile.
-- The document says "ALL/SELECT": samples are managed by users (ALL);
-- fingerprints and scores are computed by the backend, users read them.
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
