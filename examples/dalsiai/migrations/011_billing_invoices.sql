-- Invoices per user and subscription, numbered from a sequence, with a
-- total that must equal amount + tax, and the payment recording function.

CREATE SEQUENCE public.billing_invoice_number_seq;

-- Not shown in the source document: invoice number format, designed as
-- INV-<year>-<6-digit sequence>.
CREATE FUNCTION public.next_invoice_number()
RETURNS text
LANGUAGE sql
VOLATILE
SET search_path = ''
AS $$
  SELECT 'INV-' || to_char(now(), 'YYYY') || '-'
         || lpad(nextval('public.billing_invoice_number_seq')::text, 6, '0');
$$;

CREATE TABLE public.billing_invoices (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id            uuid NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
  subscription_id    uuid REFERENCES public.user_subscriptions (id) ON DELETE SET NULL,
  invoice_number     text NOT NULL UNIQUE DEFAULT public.next_invoice_number(),
  amount             numeric(12, 2) NOT NULL CHECK (amount >= 0),
  tax_amount         numeric(12, 2) NOT NULL DEFAULT 0 CHECK (tax_amount >= 0),
  total_amount       numeric(12, 2) NOT NULL,
  currency           text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'failed', 'refunded')),
  due_date           timestamptz,
  paid_at            timestamptz,
  payment_method     text,
  payment_reference  text,
  amount_paid        numeric(12, 2) CHECK (amount_paid >= 0),
  pdf_url            text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT billing_invoices_total_is_sum CHECK (total_amount = amount + tax_amount),
  CONSTRAINT billing_invoices_paid_has_date CHECK (status NOT IN ('paid', 'refunded') OR paid_at IS NOT NULL)
);

CREATE INDEX billing_invoices_user_id_idx ON public.billing_invoices (user_id, created_at DESC);
CREATE INDEX billing_invoices_subscription_id_idx ON public.billing_invoices (subscription_id);

-- Not shown in the source document: total_amount may be left out; it is then
-- computed as amount + tax_amount.
CREATE FUNCTION public.billing_invoices_fill_total()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF NEW.total_amount IS NULL THEN
    NEW.total_amount := NEW.amount + NEW.tax_amount;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER billing_invoices_fill_total
  BEFORE INSERT OR UPDATE ON public.billing_invoices
  FOR EACH ROW EXECUTE FUNCTION public.billing_invoices_fill_total();

ALTER TABLE public.billing_invoices ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view their own invoices"
  ON public.billing_invoices FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()));

-- Not shown in the source document: records a payment (from the payment
-- webhook, service role). Only pending or failed invoices can be paid;
-- amount_paid defaults to the invoice total.
CREATE FUNCTION public.mark_invoice_paid(
  p_invoice_id         uuid,
  p_payment_method     text,
  p_payment_reference  text,
  p_amount_paid        numeric DEFAULT NULL
)
RETURNS public.billing_invoices
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_inv public.billing_invoices;
BEGIN
  SELECT * INTO v_inv FROM public.billing_invoices WHERE id = p_invoice_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'invoice % not found', p_invoice_id USING ERRCODE = 'no_data_found';
  END IF;
  IF v_inv.status NOT IN ('pending', 'failed') THEN
    RAISE EXCEPTION 'invoice % is %, cannot be paid', v_inv.invoice_number, v_inv.status
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE public.billing_invoices
     SET status = 'paid', paid_at = now(), payment_method = p_payment_method,
         payment_reference = p_payment_reference,
         amount_paid = coalesce(p_amount_paid, total_amount)
   WHERE id = p_invoice_id
  RETURNING * INTO v_inv;
  RETURN v_inv;
END;
$$;

REVOKE EXECUTE ON FUNCTION public.next_invoice_number() FROM PUBLIC, anon, authenticated;
REVOKE EXECUTE ON FUNCTION public.mark_invoice_paid(uuid, text, text, numeric) FROM PUBLIC, anon, authenticated;
