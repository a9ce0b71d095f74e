-- Revocation history for API keys, plus the functions that revoke a key by
-- hand (owner or admin) and automatically once it has expired.

CREATE TABLE public.api_key_revocations (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  api_key_id     uuid NOT NULL REFERENCES public.api_keys (id) ON DELETE CASCADE,
  user_id        uuid REFERENCES public.users (id) ON DELETE SET NULL,
  revoked_by     uuid REFERENCES public.a_users (id) ON DELETE SET NULL,
  revoke_reason  text,
  revoke_type    text NOT NULL DEFAULT 'manual' CHECK (revoke_type IN ('manual', 'automatic')),
  ip_address     inet,
  user_agent     text,
  revoked_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX api_key_revocations_api_key_id_idx ON public.api_key_revocations (api_key_id);
CREATE INDEX api_key_revocations_user_id_idx ON public.api_key_revocations (user_id);
CREATE INDEX api_key_revocations_revoked_by_idx ON public.api_key_revocations (revoked_by);

ALTER TABLE public.api_key_revocations ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view revocations of their own keys"
  ON public.api_key_revocations FOR SELECT TO authenticated
  USING (user_id = (select auth.uid()));

-- Not shown in the source document: manual revocation. Owners call it through
-- the API (auth.uid() must own the key; revoked_by stays NULL since it names
-- an admin); the admin panel calls it with the service role and passes the
-- admin's a_users id. Marks the key inactive and writes the history row.
CREATE FUNCTION public.revoke_api_key(
  p_api_key_id  uuid,
  p_reason      text,
  p_revoked_by  uuid DEFAULT NULL,
  p_ip_address  inet DEFAULT NULL,
  p_user_agent  text DEFAULT NULL
)
RETURNS uuid
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_caller   uuid := auth.uid();
  v_owner    uuid;
  v_revoked  timestamptz;
  v_by       uuid := p_revoked_by;
  v_id       uuid;
BEGIN
  SELECT user_id, revoked_at INTO v_owner, v_revoked
    FROM public.api_keys WHERE id = p_api_key_id FOR UPDATE;
  IF NOT FOUND OR (v_caller IS NOT NULL AND v_caller <> v_owner) THEN
    RAISE EXCEPTION 'API key % not found', p_api_key_id USING ERRCODE = 'no_data_found';
  END IF;
  IF v_revoked IS NOT NULL THEN
    RAISE EXCEPTION 'API key % is already revoked', p_api_key_id USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_caller IS NOT NULL THEN
    v_by := NULL;  -- an end user can never claim to be an admin
  END IF;

  UPDATE public.api_keys
     SET is_active = false, revoked_at = now(), revoked_by = v_by, revoke_reason = p_reason
   WHERE id = p_api_key_id;

  INSERT INTO public.api_key_revocations
    (api_key_id, user_id, revoked_by, revoke_reason, revoke_type, ip_address, user_agent)
  VALUES (p_api_key_id, v_owner, v_by, p_reason, 'manual', p_ip_address, p_user_agent)
  RETURNING id INTO v_id;
  RETURN v_id;
END;
$$;

-- Not shown in the source document: the scheduled job that revokes every key
-- whose expires_at has passed; returns how many keys it revoked.
CREATE FUNCTION public.revoke_expired_api_keys()
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_count integer;
BEGIN
  WITH expired AS (
    UPDATE public.api_keys
       SET is_active = false, revoked_at = now(), revoke_reason = 'expired'
     WHERE revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at <= now()
    RETURNING id, user_id
  ), logged AS (
    INSERT INTO public.api_key_revocations (api_key_id, user_id, revoke_reason, revoke_type)
    SELECT id, user_id, 'expired', 'automatic' FROM expired
    RETURNING 1
  )
  SELECT count(*) INTO v_count FROM logged;
  RETURN v_count;
END;
$$;

REVOKE EXECUTE ON FUNCTION public.revoke_api_key(uuid, text, uuid, inet, text) FROM PUBLIC, anon;
REVOKE EXECUTE ON FUNCTION public.revoke_expired_api_keys() FROM PUBLIC, anon, authenticated;
