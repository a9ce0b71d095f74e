-- 008_support_tickets: customer support tickets. Paid tiers with priority
-- support may open high and urgent tickets; others are capped at normal.
--
-- Not shown in the source document: the columns and what "priority support for
-- paid tiers" means in data. Designed as a BEFORE trigger that records whether
-- the account had priority support when the ticket was opened and caps the
-- priority a customer without it can ask for; staff (service role) may still
-- escalate later. resolved_at / closed_at are stamped on status changes.

CREATE TABLE public.support_tickets (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id       uuid NOT NULL REFERENCES public.accounts (id) ON DELETE CASCADE,
  instance_id      uuid REFERENCES public.instances (id) ON DELETE SET NULL,
  subject          text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
  description      text NOT NULL,
  priority         text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'waiting_on_customer', 'resolved', 'closed')),
  is_priority      boolean NOT NULL DEFAULT false,
  assigned_to      text,
  first_response_at timestamptz,
  resolved_at      timestamptz,
  closed_at        timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.support_tickets IS 'Customer support tickets; priority support for paid tiers';

CREATE INDEX support_tickets_account_id_idx ON public.support_tickets (account_id);
CREATE INDEX support_tickets_open_idx ON public.support_tickets (priority, created_at)
  WHERE status IN ('open', 'in_progress', 'waiting_on_customer');

CREATE FUNCTION public.handle_support_ticket()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT coalesce(bool_or(t.priority_support), false) INTO NEW.is_priority
      FROM public.subscriptions s
      JOIN public.tier_limits t ON t.tier = s.tier
     WHERE s.account_id = NEW.account_id
       AND s.status IN ('trialing', 'active', 'past_due');
    IF NOT NEW.is_priority AND NEW.priority IN ('high', 'urgent') THEN
      NEW.priority := 'normal';
    END IF;
  END IF;

  IF NEW.status = 'resolved' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'resolved') THEN
    NEW.resolved_at := coalesce(NEW.resolved_at, now());
  ELSIF NEW.status = 'closed' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'closed') THEN
    NEW.closed_at := coalesce(NEW.closed_at, now());
  ELSIF NEW.status IN ('open', 'in_progress', 'waiting_on_customer') THEN
    NEW.resolved_at := NULL;
    NEW.closed_at := NULL;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER support_tickets_handle
  BEFORE INSERT OR UPDATE OF status ON public.support_tickets
  FOR EACH ROW EXECUTE FUNCTION public.handle_support_ticket();

CREATE TRIGGER support_tickets_set_updated_at
  BEFORE UPDATE ON public.support_tickets
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
