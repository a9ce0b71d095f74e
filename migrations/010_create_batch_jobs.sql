-- 010_create_batch_jobs: batch generation jobs (src/types/batch.py), the
-- first of the three migrations the document lists as missing. Columns as
-- the document recommends. Not shown in the source document and designed
-- here: the counter CHECKs, the per-user index and row level security (users
-- read their own jobs; the backend writes with the service role).

CREATE TABLE public.batch_jobs (
  id                 uuid          NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  user_id            text          NOT NULL,
  name               text,
  status             text          NOT NULL DEFAULT 'pending',
  provider_strategy  text          NOT NULL DEFAULT 'single',
  total_items        integer       NOT NULL CHECK (total_items >= 0),
  completed_items    integer       DEFAULT 0 CHECK (completed_items >= 0),
  failed_items       integer       DEFAULT 0 CHECK (failed_items >= 0),
  estimated_cost_usd numeric(10,4),
  actual_cost_usd    numeric(10,4),
  items              jsonb         NOT NULL DEFAULT '[]'::jsonb,
  results            jsonb         DEFAULT '[]'::jsonb,
  created_at         timestamptz   NOT NULL DEFAULT now(),
  started_at         timestamptz,
  completed_at       timestamptz,
  CONSTRAINT batch_jobs_items_within_total
    CHECK (coalesce(completed_items, 0) + coalesce(failed_items, 0) <= total_items)
);

COMMENT ON TABLE public.batch_jobs IS 'Batch generation jobs';

CREATE INDEX idx_batch_jobs_user_created ON public.batch_jobs (user_id, created_at DESC);

ALTER TABLE public.batch_jobs ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view own" ON public.batch_jobs
  FOR SELECT TO authenticated USING (user_id = (select auth.uid())::text);
CREATE POLICY "Service role can manage" ON public.batch_jobs
  FOR ALL TO service_role USING (true) WITH CHECK (true);
