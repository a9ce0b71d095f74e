-- Admin accounts for the back office (a_users). Admins authenticate through
-- the portal's own admin login, not Supabase Auth, so the table is reachable
-- only with the service role: RLS on, no policies, and no grants to the API roles.

CREATE TABLE public.a_users (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username       text NOT NULL UNIQUE,
  password_hash  text NOT NULL,
  full_name      text,
  email          text NOT NULL,
  role           text NOT NULL DEFAULT 'admin' CHECK (role IN ('admin', 'super_admin')),
  is_active      boolean NOT NULL DEFAULT true,
  last_login     timestamptz,
  last_login_ip  inet,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX a_users_email_key ON public.a_users (lower(email));

CREATE TRIGGER a_users_set_updated_at
  BEFORE UPDATE ON public.a_users
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.a_users ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.a_users FROM anon, authenticated;

-- Not shown in the source document: stamps a successful admin login
-- (last_login, last_login_ip); refuses unknown or deactivated admins.
CREATE FUNCTION public.record_admin_login(p_admin_id uuid, p_ip inet)
RETURNS timestamptz
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_active boolean;
BEGIN
  SELECT is_active INTO v_active FROM public.a_users WHERE id = p_admin_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'admin % not found', p_admin_id USING ERRCODE = 'no_data_found';
  END IF;
  IF NOT v_active THEN
    RAISE EXCEPTION 'admin % is deactivated', p_admin_id USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE public.a_users SET last_login = now(), last_login_ip = p_ip WHERE id = p_admin_id;
  RETURN now();
END;
$$;

REVOKE EXECUTE ON FUNCTION public.record_admin_login(uuid, inet) FROM PUBLIC, anon, authenticated;
