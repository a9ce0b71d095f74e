-- Reverses 010_create_batch_jobs.
DROP POLICY IF EXISTS "Service role can manage" ON public.batch_jobs;
DROP POLICY IF EXISTS "Users can view own" ON public.batch_jobs;
DROP TABLE IF EXISTS public.batch_jobs;
