-- Email marketing campaigns (back office only) and a performance view with
-- open and click rates.

CREATE TABLE public.email_campaigns (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name             text NOT NULL,
  subject          text NOT NULL,
  content          text NOT NULL DEFAULT '',
  template_id      text,
  status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled', 'sent', 'cancelled')),
  scheduled_at     timestamptz,
  sent_at          timestamptz,
  recipient_count  integer NOT NULL DEFAULT 0 CHECK (recipient_count >= 0),
  open_count       integer NOT NULL DEFAULT 0 CHECK (open_count >= 0),
  click_count      integer NOT NULL DEFAULT 0 CHECK (click_count >= 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT email_campaigns_scheduled_has_time CHECK (status <> 'scheduled' OR scheduled_at IS NOT NULL),
  CONSTRAINT email_campaigns_sent_has_time CHECK (status <> 'sent' OR sent_at IS NOT NULL)
);

ALTER TABLE public.email_campaigns ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.email_campaigns FROM anon, authenticated;

-- Not shown in the source document: rates in percent of recipients (opens,
-- clicks) and clicks per open, for the campaign dashboard.
CREATE VIEW public.email_campaign_performance
WITH (security_invoker = true) AS
SELECT c.id,
       c.name,
       c.status,
       c.sent_at,
       c.recipient_count,
       c.open_count,
       c.click_count,
       round(100.0 * c.open_count / nullif(c.recipient_count, 0), 2)  AS open_rate_pct,
       round(100.0 * c.click_count / nullif(c.recipient_count, 0), 2) AS click_rate_pct,
       round(100.0 * c.click_count / nullif(c.open_count, 0), 2)      AS click_to_open_pct
  FROM public.email_campaigns c;

REVOKE ALL ON public.email_campaign_performance FROM anon, authenticated;
