-- 011_create_remix_history: persisted content remix operations
-- (src/types/remix.py), listed as missing by the document. Columns as the
-- document recommends. Not shown in the source document and designed here:
-- the per-user index and row level security (users read their own history;
-- the backend writes with the service role). source_content_id stays text
-- (it may name content outside generated_content), so it carries no FK.

CREATE TABLE public.remix_history (
  id                uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  user_id           text,
  source_content_id text,
  target_format     text        NOT NULL,
  remixed_content   jsonb       NOT NULL,
  quality_score     double precision,
  created_at        timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.remix_history IS 'History of content remix operations';

CREATE INDEX idx_remix_history_user_created ON public.remix_history (user_id, created_at DESC)
  WHERE user_id IS NOT NULL;

ALTER TABLE public.remix_history ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view own" ON public.remix_history
  FOR SELECT TO authenticated USING (user_id = (select auth.uid())::text);
CREATE POLICY "Service role can manage" ON public.remix_history
  FOR ALL TO service_role USING (true) WITH CHECK (true);
