-- Cohort analytics: one row per cohort (users who signed up in the same
-- day/week/month) with conversion and revenue figures, and the function that
-- (re)computes a cohort from users, the funnel, subscriptions and invoices.

CREATE TABLE public.cohort_analysis (
  id                              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  cohort_date                     date NOT NULL,
  cohort_type                     text NOT NULL CHECK (cohort_type IN ('daily', 'weekly', 'monthly')),
  cohort_size                     integer NOT NULL DEFAULT 0 CHECK (cohort_size >= 0),
  conversion_count                integer NOT NULL DEFAULT 0 CHECK (conversion_count >= 0),
  conversion_rate                 numeric(5, 2) NOT NULL DEFAULT 0 CHECK (conversion_rate BETWEEN 0 AND 100),
  avg_days_to_conversion          numeric(8, 2),
  avg_messages_before_conversion  numeric(8, 2),
  conversion_by_source            jsonb NOT NULL DEFAULT '{}'::jsonb,
  conversion_by_tier              jsonb NOT NULL DEFAULT '{}'::jsonb,
  revenue_generated               numeric(12, 2) NOT NULL DEFAULT 0,
  metadata                        jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at                      timestamptz NOT NULL DEFAULT now(),
  updated_at                      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT cohort_analysis_date_type_key UNIQUE (cohort_date, cohort_type),
  CONSTRAINT cohort_analysis_conversions_le_size CHECK (conversion_count <= cohort_size)
);

CREATE TRIGGER cohort_analysis_set_updated_at
  BEFORE UPDATE ON public.cohort_analysis
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.cohort_analysis ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.cohort_analysis FROM anon, authenticated;

-- Not shown in the source document: the cohort computation, designed as:
--   cohort      = users (guests included) created in the period, in UTC;
--   conversion  = reached the 'subscription_purchased' funnel step;
--   days        = from sign-up to that step; messages = the step's
--                 metadata->>'messages_sent' (the app records it there);
--   source      = first referral_code on the user's funnel rows, else 'direct';
--   tier        = tier of the user's latest subscription;
--   revenue     = paid invoices (total_amount) of cohort members.
-- Upserts and returns the cohort row; the cohort_date is normalised to the
-- period start (ISO week Monday, first of month).
CREATE FUNCTION public.refresh_cohort_analysis(p_cohort_type text, p_cohort_date date)
RETURNS public.cohort_analysis
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_start  date;
  v_end    date;
  v_row    public.cohort_analysis;
BEGIN
  CASE p_cohort_type
    WHEN 'daily'   THEN v_start := p_cohort_date;                               v_end := v_start + 1;
    WHEN 'weekly'  THEN v_start := date_trunc('week', p_cohort_date)::date;      v_end := v_start + 7;
    WHEN 'monthly' THEN v_start := date_trunc('month', p_cohort_date)::date;     v_end := (v_start + interval '1 month')::date;
    ELSE RAISE EXCEPTION 'unknown cohort type %', p_cohort_type USING ERRCODE = 'invalid_parameter_value';
  END CASE;

  WITH cohort AS (
    SELECT u.id, u.created_at
      FROM public.users u
     WHERE (u.created_at AT TIME ZONE 'UTC') >= v_start
       AND (u.created_at AT TIME ZONE 'UTC') <  v_end
  ), conv AS (
    SELECT c.id,
           extract(epoch FROM f.completed_at - c.created_at) / 86400.0 AS days,
           (f.metadata ->> 'messages_sent')::numeric AS messages,
           coalesce((SELECT r.referral_code FROM public.conversion_funnel_detailed r
                      WHERE r.user_id = c.id AND r.referral_code IS NOT NULL
                      ORDER BY r.step_order LIMIT 1), 'direct') AS source,
           coalesce((SELECT s.tier FROM public.user_subscriptions s
                      WHERE s.user_id = c.id ORDER BY s.created_at DESC LIMIT 1), 'free') AS tier
      FROM cohort c
      JOIN public.conversion_funnel_detailed f
        ON f.user_id = c.id AND f.step_name = 'subscription_purchased'
  ), figures AS (
    SELECT (SELECT count(*) FROM cohort)::integer AS size,
           (SELECT count(*) FROM conv)::integer AS conversions,
           (SELECT round(avg(days), 2) FROM conv) AS avg_days,
           (SELECT round(avg(messages), 2) FROM conv) AS avg_messages,
           coalesce((SELECT jsonb_object_agg(source, n) FROM
                       (SELECT source, count(*) AS n FROM conv GROUP BY source) s), '{}'::jsonb) AS by_source,
           coalesce((SELECT jsonb_object_agg(tier, n) FROM
                       (SELECT tier, count(*) AS n FROM conv GROUP BY tier) t), '{}'::jsonb) AS by_tier,
           coalesce((SELECT sum(i.total_amount) FROM public.billing_invoices i
                      WHERE i.status = 'paid' AND i.user_id IN (SELECT id FROM cohort)), 0) AS revenue
  )
  INSERT INTO public.cohort_analysis AS ca
    (cohort_date, cohort_type, cohort_size, conversion_count, conversion_rate,
     avg_days_to_conversion, avg_messages_before_conversion, conversion_by_source,
     conversion_by_tier, revenue_generated, metadata)
  SELECT v_start, p_cohort_type, size, conversions,
         CASE WHEN size = 0 THEN 0 ELSE round(100.0 * conversions / size, 2) END,
         avg_days, avg_messages, by_source, by_tier, revenue,
         jsonb_build_object('period_start', v_start, 'period_end', v_end, 'computed_at', now())
    FROM figures
  ON CONFLICT (cohort_date, cohort_type) DO UPDATE
     SET cohort_size                    = EXCLUDED.cohort_size,
         conversion_count               = EXCLUDED.conversion_count,
         conversion_rate                = EXCLUDED.conversion_rate,
         avg_days_to_conversion         = EXCLUDED.avg_days_to_conversion,
         avg_messages_before_conversion = EXCLUDED.avg_messages_before_conversion,
         conversion_by_source           = EXCLUDED.conversion_by_source,
         conversion_by_tier             = EXCLUDED.conversion_by_tier,
         revenue_generated              = EXCLUDED.revenue_generated,
         metadata                       = ca.metadata || EXCLUDED.metadata
  RETURNING * INTO v_row;
  RETURN v_row;
END;
$$;

REVOKE EXECUTE ON FUNCTION public.refresh_cohort_analysis(text, date) FROM PUBLIC, anon, authenticated;
