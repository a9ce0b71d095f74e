-- 001_user_profiles: extended user information for every auth user (billing
-- tier, usage counters, preferences), the shared updated_at trigger function,
-- and the signup hook on auth.users that creates the profile.

-- Not shown in the source document: a generic BEFORE UPDATE trigger function,
-- designed so every table with updated_at keeps it current.
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

CREATE TABLE public.user_profiles (
  id                     uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  email                  text,
  full_name              text CHECK (char_length(full_name) <= 120),
  avatar_url             text,
  subscription_tier      text NOT NULL DEFAULT 'free'
                         CHECK (subscription_tier IN ('free', 'pro', 'enterprise')),
  subscription_status    text NOT NULL DEFAULT 'active'
                         CHECK (subscription_status IN ('active', 'canceled', 'past_due')),
  stripe_customer_id     text UNIQUE,
  stripe_subscription_id text UNIQUE,
  daily_message_count    integer NOT NULL DEFAULT 0 CHECK (daily_message_count >= 0),
  total_message_count    integer NOT NULL DEFAULT 0 CHECK (total_message_count >= 0),
  settings               jsonb NOT NULL DEFAULT '{}'::jsonb
                         CHECK (jsonb_typeof(settings) = 'object'),
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.user_profiles IS 'Extended user information: billing tier, usage counters, preferences.';

CREATE INDEX idx_user_profiles_email ON public.user_profiles (lower(email));

CREATE TRIGGER set_user_profiles_updated_at
  BEFORE UPDATE ON public.user_profiles
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- Not shown in the source document: the usual Supabase signup hook, designed
-- to create the profile from auth.users (name/avatar from the signup metadata).
CREATE FUNCTION public.handle_new_user()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  INSERT INTO public.user_profiles (id, email, full_name, avatar_url, created_at)
  VALUES (
    NEW.id,
    NEW.email,
    NEW.raw_user_meta_data ->> 'full_name',
    NEW.raw_user_meta_data ->> 'avatar_url',
    coalesce(NEW.created_at, now())
  )
  ON CONFLICT (id) DO NOTHING;
  RETURN NEW;
END;
$$;

CREATE TRIGGER on_auth_user_created
  AFTER INSERT ON auth.users
  FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();

-- Row level security: users read and edit only their own profile.
ALTER TABLE public.user_profiles ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view own profile"
  ON public.user_profiles FOR SELECT TO authenticated
  USING ((select auth.uid()) = id);

CREATE POLICY "Users can update own profile"
  ON public.user_profiles FOR UPDATE TO authenticated
  USING ((select auth.uid()) = id)
  WITH CHECK ((select auth.uid()) = id);

-- Billing and usage columns are written only by the server (service_role) and
-- by triggers: the API roles may update just the personal columns.
REVOKE ALL ON public.user_profiles FROM anon;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON public.user_profiles FROM authenticated;
GRANT UPDATE (full_name, avatar_url, settings) ON public.user_profiles TO authenticated;
