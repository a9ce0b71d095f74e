-- Reverse of 001_accounts.
DROP TRIGGER IF EXISTS accounts_set_updated_at ON public.accounts;
DROP TABLE IF EXISTS public.accounts;
DROP FUNCTION IF EXISTS public.set_updated_at();
