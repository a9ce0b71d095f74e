-- Reverse of 011: drop payment function, invoices, numbering function and sequence.
DROP FUNCTION IF EXISTS public.mark_invoice_paid(uuid, text, text, numeric);
DROP TABLE IF EXISTS public.billing_invoices;
DROP FUNCTION IF EXISTS public.billing_invoices_fill_total();
DROP FUNCTION IF EXISTS public.next_invoice_number();
DROP SEQUENCE IF EXISTS public.billing_invoice_number_seq;
