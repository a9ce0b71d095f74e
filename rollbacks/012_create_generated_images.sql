-- Reverses 012_create_generated_images.
DROP POLICY IF EXISTS "Service role can manage" ON public.generated_images;
DROP POLICY IF EXISTS "Users can view own" ON public.generated_images;
DROP TABLE IF EXISTS public.generated_images;
