-- Reverses 006_enhance_brand_voice_training.
ALTER TABLE public.brand_profiles
  DROP COLUMN IF EXISTS sample_count,
  DROP COLUMN IF EXISTS training_quality,
  DROP COLUMN IF EXISTS training_status,
  DROP COLUMN IF EXISTS voice_fingerprint_id;
DROP POLICY IF EXISTS "Users can manage via profile" ON public.voice_scores;
DROP POLICY IF EXISTS "Users can manage via profile" ON public.voice_fingerprints;
DROP POLICY IF EXISTS "Users can manage via profile" ON public.voice_samples;
DROP POLICY IF EXISTS "Service role has full access" ON public.voice_scores;
DROP POLICY IF EXISTS "Service role has full access" ON public.voice_fingerprints;
DROP POLICY IF EXISTS "Service role has full access" ON public.voice_samples;
DROP TRIGGER IF EXISTS update_voice_fingerprints_updated_at ON public.voice_fingerprints;
DROP TABLE IF EXISTS public.voice_scores;
DROP TABLE IF EXISTS public.voice_fingerprints;
DROP TABLE IF EXISTS public.voice_samples;
