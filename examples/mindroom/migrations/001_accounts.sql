-- 001_accounts: customer accounts, one per Supabase auth user, linked to a
-- Stripe customer; plus the shared trigger function that fills updated_at.
--
-- Not shown in the source document: the columns. Designed as the profile the
-- customer portal shows (name, company) and the Stripe customer id the
-- stripe-handler service looks accounts up by. accounts.id IS the auth user id,
-- so RLS can compare it with auth.uid() directly.

CREATE FUNCTION public.set_updated_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

COMMENT ON FUNCTION public.set_updated_at() IS
  'BEFORE UPDATE trigger: stamps updated_at with the transaction time';

CREATE TABLE public.accounts (
  id                 uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  email              text UNIQUE,
  full_name          text,
  company_name       text,
  stripe_customer_id text UNIQUE CHECK (stripe_customer_id ~ '^cus_[A-Za-z0-9]+$'),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.accounts IS 'Customer accounts of the MindRoom SaaS platform (id = auth.users.id)';
COMMENT ON COLUMN public.accounts.stripe_customer_id IS 'Stripe customer (cus_...), set by the stripe-handler service';

CREATE TRIGGER accounts_set_updated_at
  BEFORE UPDATE ON public.accounts
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
