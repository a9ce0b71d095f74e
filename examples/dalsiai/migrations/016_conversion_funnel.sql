-- Conversion funnel: one row per user per funnel step, with the step order
-- and the time since the user's previous step filled in automatically; the
-- tracking function and a per-step summary view for the analytics dashboard.

-- Not shown in the source document: the step order, designed as the order
-- in which the document lists the steps.
CREATE FUNCTION public.funnel_step_order(p_step_name text)
RETURNS integer
LANGUAGE sql
IMMUTABLE
SET search_path = ''
AS $$
  SELECT CASE p_step_name
    WHEN 'guest_created'          THEN 1
    WHEN 'first_message_sent'     THEN 2
    WHEN 'friction_shown'         THEN 3
    WHEN 'friction_dismissed'     THEN 4
    WHEN 'sign_in_clicked'        THEN 5
    WHEN 'account_created'        THEN 6
    WHEN 'first_paid_message'     THEN 7
    WHEN 'subscription_purchased' THEN 8
  END;
$$;

CREATE TABLE public.conversion_funnel_detailed (
  id                               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                          uuid NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
  step_name                        text NOT NULL CHECK (step_name IN (
                                     'guest_created', 'first_message_sent', 'friction_shown',
                                     'friction_dismissed', 'sign_in_clicked', 'account_created',
                                     'first_paid_message', 'subscription_purchased')),
  step_order                       integer NOT NULL CHECK (step_order BETWEEN 1 AND 8),
  completed_at                     timestamptz NOT NULL DEFAULT now(),
  time_from_previous_step_seconds  integer CHECK (time_from_previous_step_seconds >= 0),
  session_id                       text,
  ip_address                       inet,
  user_agent                       text,
  referral_code                    text,
  metadata                         jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at                       timestamptz NOT NULL DEFAULT now(),
  -- Each step counts once per user.
  CONSTRAINT conversion_funnel_detailed_user_step_key UNIQUE (user_id, step_name),
  CONSTRAINT conversion_funnel_detailed_order_matches CHECK (step_order = public.funnel_step_order(step_name))
);

CREATE INDEX conversion_funnel_detailed_step_idx ON public.conversion_funnel_detailed (step_name, completed_at);

-- Not shown in the source document: fills step_order from step_name and
-- time_from_previous_step_seconds from the user's latest earlier step.
CREATE FUNCTION public.conversion_funnel_fill_step()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_prev timestamptz;
BEGIN
  NEW.step_order := public.funnel_step_order(NEW.step_name);
  IF NEW.time_from_previous_step_seconds IS NULL THEN
    SELECT max(f.completed_at) INTO v_prev
      FROM public.conversion_funnel_detailed f
     WHERE f.user_id = NEW.user_id
       AND f.step_order < NEW.step_order
       AND f.completed_at <= NEW.completed_at;
    IF v_prev IS NOT NULL THEN
      NEW.time_from_previous_step_seconds := floor(extract(epoch FROM NEW.completed_at - v_prev))::integer;
    END IF;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER conversion_funnel_fill_step
  BEFORE INSERT ON public.conversion_funnel_detailed
  FOR EACH ROW EXECUTE FUNCTION public.conversion_funnel_fill_step();

ALTER TABLE public.conversion_funnel_detailed ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.conversion_funnel_detailed FROM anon, authenticated;

-- Not shown in the source document: what the app calls when a user reaches
-- a step. Records the step once (a repeat returns the first record's id).
CREATE FUNCTION public.track_funnel_step(
  p_user_id        uuid,
  p_step_name      text,
  p_session_id     text DEFAULT NULL,
  p_metadata       jsonb DEFAULT '{}'::jsonb,
  p_ip_address     inet DEFAULT NULL,
  p_user_agent     text DEFAULT NULL,
  p_referral_code  text DEFAULT NULL
)
RETURNS uuid
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_id uuid;
BEGIN
  IF public.funnel_step_order(p_step_name) IS NULL THEN
    RAISE EXCEPTION 'unknown funnel step %', p_step_name USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO public.conversion_funnel_detailed
    (user_id, step_name, step_order, session_id, metadata, ip_address, user_agent, referral_code)
  VALUES (p_user_id, p_step_name, public.funnel_step_order(p_step_name), p_session_id,
          coalesce(p_metadata, '{}'::jsonb), p_ip_address, p_user_agent, p_referral_code)
  ON CONFLICT (user_id, step_name) DO NOTHING
  RETURNING id INTO v_id;
  IF v_id IS NULL THEN
    SELECT f.id INTO v_id FROM public.conversion_funnel_detailed f
     WHERE f.user_id = p_user_id AND f.step_name = p_step_name;
  END IF;
  RETURN v_id;
END;
$$;

REVOKE EXECUTE ON FUNCTION public.track_funnel_step(uuid, text, text, jsonb, inet, text, text)
  FROM PUBLIC, anon, authenticated;

-- Not shown in the source document: per-step reach for the funnel chart —
-- users who reached each step, share of users who entered the funnel, and
-- the median time from the previous step.
CREATE VIEW public.conversion_funnel_summary
WITH (security_invoker = true) AS
SELECT f.step_order,
       f.step_name,
       count(DISTINCT f.user_id) AS users_reached,
       round(100.0 * count(DISTINCT f.user_id)
             / nullif((SELECT count(DISTINCT e.user_id) FROM public.conversion_funnel_detailed e), 0), 2)
         AS pct_of_funnel_users,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY f.time_from_previous_step_seconds)
         AS median_seconds_from_previous
  FROM public.conversion_funnel_detailed f
 GROUP BY f.step_order, f.step_name;

REVOKE ALL ON public.conversion_funnel_summary FROM anon, authenticated;
