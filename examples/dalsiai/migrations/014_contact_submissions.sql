-- Contact form submissions: anyone may submit (as 'new', unassigned);
-- only the back office (service role) reads and assigns them to an admin.

CREATE TABLE public.contact_submissions (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  email        text NOT NULL CHECK (email ~* '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
  company      text,
  phone        text,
  subject      text,
  message      text NOT NULL CHECK (length(message) BETWEEN 1 AND 10000),
  type         text NOT NULL DEFAULT 'general' CHECK (type IN ('general', 'sales', 'support', 'partnership')),
  status       text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_progress', 'resolved', 'closed')),
  -- The document calls this "Assigned admin", so it references a_users
  -- (its relationship diagram lists it under users; the field text wins).
  assigned_to  uuid REFERENCES public.a_users (id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX contact_submissions_status_idx ON public.contact_submissions (status, created_at DESC);
CREATE INDEX contact_submissions_assigned_to_idx ON public.contact_submissions (assigned_to);

CREATE TRIGGER contact_submissions_set_updated_at
  BEFORE UPDATE ON public.contact_submissions
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.contact_submissions ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Anyone can submit the contact form"
  ON public.contact_submissions FOR INSERT TO anon, authenticated
  WITH CHECK (status = 'new' AND assigned_to IS NULL);
