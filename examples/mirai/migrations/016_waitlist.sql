-- 016_waitlist: pre-launch and feature waitlist (referral source, interest
-- areas), converted automatically when the waitlisted email signs up.

CREATE TABLE public.waitlist (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email             text NOT NULL CHECK (email ~* '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
  full_name         text,
  referral_source   text CHECK (referral_source ~ '^[a-z0-9_]{1,32}$'),   -- twitter, producthunt, ...
  interests         text[] NOT NULL DEFAULT '{}'
                    CHECK (interests <@ ARRAY['api_access', 'teams', 'enterprise']::text[]),
  metadata          jsonb NOT NULL DEFAULT '{}'::jsonb,
  converted_at      timestamptz,
  converted_user_id uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX idx_waitlist_email ON public.waitlist (lower(email));
CREATE INDEX idx_waitlist_referral_source ON public.waitlist (referral_source);
CREATE INDEX idx_waitlist_pending ON public.waitlist (created_at) WHERE converted_at IS NULL;

-- Not shown in the source document: designed as "conversion" = the waitlisted
-- email signs up (its profile is created).
CREATE FUNCTION public.convert_waitlist_signup()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  IF NEW.email IS NOT NULL THEN
    UPDATE public.waitlist AS w
       SET converted_at = now(), converted_user_id = NEW.id
     WHERE lower(w.email) = lower(NEW.email)
       AND w.converted_at IS NULL;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER convert_waitlist_signup
  AFTER INSERT ON public.user_profiles
  FOR EACH ROW EXECUTE FUNCTION public.convert_waitlist_signup();

-- Row level security: anyone may join (the landing page form); nobody but the
-- service role can read the list.
ALTER TABLE public.waitlist ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Anyone can join the waitlist"
  ON public.waitlist FOR INSERT TO anon, authenticated
  WITH CHECK (converted_at IS NULL AND converted_user_id IS NULL);
