-- 006_audit_logs: the event trail (all significant actions, for debugging and
-- compliance) and log_audit_event(), the one way backend functions write to it.
--
-- Not shown in the source document: the columns and the writer. Designed with
-- an action_category the retention job keys on (billing and security events
-- are kept longer, see cleanup_expired_data()).

CREATE TABLE public.audit_logs (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id      uuid REFERENCES public.accounts (id) ON DELETE SET NULL,
  instance_id     uuid REFERENCES public.instances (id) ON DELETE SET NULL,
  action          text NOT NULL,
  action_category text NOT NULL DEFAULT 'system'
                  CHECK (action_category IN ('billing', 'instance', 'config', 'security', 'api',
                                             'usage', 'support', 'system')),
  details         jsonb NOT NULL DEFAULT '{}'::jsonb,
  ip_address      inet,
  user_agent      text,
  success         boolean NOT NULL DEFAULT true,
  error_message   text,
  created_at      timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.audit_logs IS 'Audit trail of significant events; read-only for users';

CREATE INDEX audit_logs_account_id_idx ON public.audit_logs (account_id);
CREATE INDEX audit_logs_instance_id_idx ON public.audit_logs (instance_id);
CREATE INDEX audit_logs_category_created_at_idx ON public.audit_logs (action_category, created_at);
CREATE INDEX audit_logs_created_at_idx ON public.audit_logs (created_at DESC);

-- Writes one audit row; when only the instance is given, the owning account is
-- looked up so every event stays visible to its customer.
CREATE FUNCTION public.log_audit_event(
  p_account_id    uuid,
  p_instance_id   uuid,
  p_action        text,
  p_category      text,
  p_details       jsonb DEFAULT '{}'::jsonb,
  p_success       boolean DEFAULT true,
  p_error_message text DEFAULT NULL
)
RETURNS uuid
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_account_id uuid := p_account_id;
  v_id uuid;
BEGIN
  IF v_account_id IS NULL AND p_instance_id IS NOT NULL THEN
    SELECT s.account_id INTO v_account_id
      FROM public.instances i
      JOIN public.subscriptions s ON s.id = i.subscription_id
     WHERE i.id = p_instance_id;
  END IF;

  INSERT INTO public.audit_logs (account_id, instance_id, action, action_category, details, success, error_message)
  VALUES (v_account_id, p_instance_id, p_action, p_category, coalesce(p_details, '{}'::jsonb),
          coalesce(p_success, true), p_error_message)
  RETURNING id INTO v_id;
  RETURN v_id;
END;
$$;

REVOKE EXECUTE ON FUNCTION public.log_audit_event(uuid, uuid, text, text, jsonb, boolean, text)
  FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.log_audit_event(uuid, uuid, text, text, jsonb, boolean, text)
  TO service_role;
