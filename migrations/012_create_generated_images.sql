-- 012_create_generated_images: images generated for content
-- (src/types/images.py), listed as missing by the document. Columns as the
-- document recommends. Not shown in the source document and designed here:
-- the lookup indexes and row level security (users read their own images;
-- the backend writes with the service role). content_id stays text, no FK.

CREATE TABLE public.generated_images (
  id             uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  user_id        text,
  content_id     text,
  prompt         text        NOT NULL,
  revised_prompt text,
  url            text        NOT NULL,
  provider       text        NOT NULL,
  image_type     text        NOT NULL,
  size           text        NOT NULL,
  style          text,
  quality        text,
  metadata       jsonb       DEFAULT '{}'::jsonb,
  created_at     timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.generated_images IS 'Generated images';

CREATE INDEX idx_generated_images_user_created ON public.generated_images (user_id, created_at DESC)
  WHERE user_id IS NOT NULL;
CREATE INDEX idx_generated_images_content ON public.generated_images (content_id)
  WHERE content_id IS NOT NULL;

ALTER TABLE public.generated_images ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view own" ON public.generated_images
  FOR SELECT TO authenticated USING (user_id = (select auth.uid())::text);
CREATE POLICY "Service role can manage" ON public.generated_images
  FOR ALL TO service_role USING (true) WITH CHECK (true);
