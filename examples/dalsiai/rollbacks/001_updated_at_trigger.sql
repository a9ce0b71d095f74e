-- Reverse of 001: drop the shared updated_at trigger function.
DROP FUNCTION IF EXISTS public.set_updated_at();
