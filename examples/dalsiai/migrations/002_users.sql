-- Regular (end-user) accounts: public.users, one row per auth.users row.
-- Not shown in the source document ("referenced but not shown"): designed as a
-- Supabase profile table keyed on auth.users(id). Passwords live in
-- auth.users.encrypted_password (owned by Supabase Auth), so the document's
-- expected users.password_hash column is deliberately not duplicated here.
-- Guests (funnel step 'guest_created') are Supabase anonymous users:
-- is_guest mirrors auth.users.is_anonymous.

CREATE TABLE public.users (
  id          uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  email       text,
  full_name   text,
  avatar_url  text,
  is_guest    boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_guest_or_email CHECK (is_guest OR email IS NOT NULL)
);

CREATE UNIQUE INDEX users_email_key ON public.users (lower(email)) WHERE email IS NOT NULL;

CREATE TRIGGER users_set_updated_at
  BEFORE UPDATE ON public.users
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view their own profile"
  ON public.users FOR SELECT TO authenticated
  USING (id = (select auth.uid()));

CREATE POLICY "Users can update their own profile"
  ON public.users FOR UPDATE TO authenticated
  USING (id = (select auth.uid()))
  WITH CHECK (id = (select auth.uid()));

-- Users may only edit their display fields; email and guest status follow auth.users.
REVOKE INSERT, UPDATE, DELETE ON public.users FROM anon, authenticated;
GRANT UPDATE (full_name, avatar_url) ON public.users TO authenticated;

-- Not shown in the source document: keeps public.users in step with auth.users
-- (new sign-ups, anonymous guests upgrading to a real account, email changes).
CREATE FUNCTION public.handle_auth_user_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO public.users (id, email, full_name, avatar_url, is_guest, created_at, updated_at)
    VALUES (
      NEW.id,
      NEW.email,
      NEW.raw_user_meta_data ->> 'full_name',
      NEW.raw_user_meta_data ->> 'avatar_url',
      coalesce(NEW.is_anonymous, false),
      coalesce(NEW.created_at, now()),
      coalesce(NEW.created_at, now())
    )
    ON CONFLICT (id) DO NOTHING;
  ELSE
    UPDATE public.users
       SET email    = NEW.email,
           is_guest = coalesce(NEW.is_anonymous, false)
     WHERE id = NEW.id;
  END IF;
  RETURN NEW;
END;
$$;

REVOKE EXECUTE ON FUNCTION public.handle_auth_user_change() FROM PUBLIC, anon, authenticated;

CREATE TRIGGER on_auth_user_changed
  AFTER INSERT OR UPDATE OF email, is_anonymous ON auth.users
  FOR EACH ROW EXECUTE FUNCTION public.handle_auth_user_change();
