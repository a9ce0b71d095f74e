-- Reverses 005_create_brand_profiles.
DROP POLICY IF EXISTS "Anonymous can delete own" ON public.brand_profiles;
DROP POLICY IF EXISTS "Anonymous can update own" ON public.brand_profiles;
DROP POLICY IF EXISTS "Anonymous can create" ON public.brand_profiles;
DROP POLICY IF EXISTS "Anonymous can read own" ON public.brand_profiles;
DROP POLICY IF EXISTS "Service role has full access" ON public.brand_profiles;
DROP FUNCTION IF EXISTS public.set_default_brand_profile(uuid, text);
DROP TRIGGER IF EXISTS update_brand_profiles_updated_at ON public.brand_profiles;
DROP TABLE IF EXISTS public.brand_profiles;
