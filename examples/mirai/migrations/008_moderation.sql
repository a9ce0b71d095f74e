-- 008_moderation: OpenAI moderation results per checked message, policy
-- violations with progressive enforcement, and auto-expiring suspensions.

-- Not detailed in the source document: designed to keep the moderation API's
-- verdict and a SHA-256 of the checked text (not the text itself).
CREATE TABLE public.moderation_logs (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id          uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  message_id       uuid REFERENCES public.chat_messages (id) ON DELETE SET NULL,
  conversation_id  uuid REFERENCES public.conversations (id) ON DELETE SET NULL,
  content_sha256   text CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
  flagged          boolean NOT NULL,
  categories       jsonb NOT NULL DEFAULT '{}'::jsonb,   -- {"harassment": true, ...}
  category_scores  jsonb NOT NULL DEFAULT '{}'::jsonb,   -- {"harassment": 0.91, ...}
  moderation_model text NOT NULL DEFAULT 'omni-moderation-latest',
  action_taken     text NOT NULL DEFAULT 'none'
                   CHECK (action_taken IN ('none', 'warned', 'blocked', 'suspended', 'banned')),
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idx_moderation_logs_user_id ON public.moderation_logs (user_id, created_at DESC);
CREATE INDEX idx_moderation_logs_flagged ON public.moderation_logs (created_at DESC) WHERE flagged;

CREATE TABLE public.user_violations (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  moderation_log_id uuid REFERENCES public.moderation_logs (id) ON DELETE SET NULL,
  violation_type    text NOT NULL,
  severity          text NOT NULL DEFAULT 'medium'
                    CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  action            text NOT NULL CHECK (action IN ('warning', 'suspension', 'ban')),
  description       text,
  suspended_until   timestamptz,
  is_active         boolean NOT NULL DEFAULT true,
  created_at        timestamptz NOT NULL DEFAULT now(),
  resolved_at       timestamptz,
  CHECK (action <> 'suspension' OR suspended_until IS NOT NULL)
);

CREATE INDEX idx_user_violations_user_id ON public.user_violations (user_id, created_at DESC);
CREATE INDEX idx_user_violations_active ON public.user_violations (suspended_until) WHERE is_active;

-- Not shown in the source document: designed as the enforcement check.
-- A user is suspended while an active ban exists or an active suspension has
-- not run out (suspensions expire by themselves; daily_cleanup() closes them).
CREATE FUNCTION public.is_user_suspended(p_user_id uuid)
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.user_violations AS v
    WHERE v.user_id = p_user_id
      AND v.is_active
      AND (v.action = 'ban' OR (v.action = 'suspension' AND v.suspended_until > now()))
  );
$$;

-- Not shown in the source document: designed progressive enforcement, counting
-- the user's violations of the last 90 days:
--   1st -> warning, 2nd -> 24 h suspension, 3rd -> 7 day suspension, 4th+ -> ban;
--   severity 'high' skips the warning, 'critical' bans at once.
-- Also stamps the moderation log's action_taken. Server-side only.
CREATE FUNCTION public.record_violation(
  p_user_id           uuid,
  p_violation_type    text,
  p_severity          text DEFAULT 'medium',
  p_moderation_log_id uuid DEFAULT NULL,
  p_description       text DEFAULT NULL
)
RETURNS public.user_violations
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_prior  integer;
  v_step   integer;
  v_action text;
  v_until  timestamptz;
  v_row    public.user_violations;
BEGIN
  SELECT count(*) INTO v_prior
  FROM public.user_violations AS v
  WHERE v.user_id = p_user_id
    AND v.created_at > now() - interval '90 days';

  v_step := v_prior + CASE p_severity WHEN 'high' THEN 1 ELSE 0 END;
  IF p_severity = 'critical' OR v_step >= 3 THEN
    v_action := 'ban';
  ELSIF v_step = 2 THEN
    v_action := 'suspension'; v_until := now() + interval '7 days';
  ELSIF v_step = 1 THEN
    v_action := 'suspension'; v_until := now() + interval '24 hours';
  ELSE
    v_action := 'warning';
  END IF;

  INSERT INTO public.user_violations
         (user_id, moderation_log_id, violation_type, severity, action, description, suspended_until)
  VALUES (p_user_id, p_moderation_log_id, p_violation_type, p_severity, v_action, p_description, v_until)
  RETURNING * INTO v_row;

  IF p_moderation_log_id IS NOT NULL THEN
    UPDATE public.moderation_logs
       SET action_taken = CASE v_action WHEN 'warning' THEN 'warned'
                                        WHEN 'suspension' THEN 'suspended'
                                        ELSE 'banned' END
     WHERE id = p_moderation_log_id;
  END IF;

  RETURN v_row;
END;
$$;

REVOKE EXECUTE ON FUNCTION public.record_violation(uuid, text, text, uuid, text) FROM PUBLIC, anon, authenticated;

-- Row level security: moderation logs are internal (service role only, no
-- policy); users can see their own violations and suspensions.
ALTER TABLE public.moderation_logs ENABLE ROW LEVEL SECURITY;

ALTER TABLE public.user_violations ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view own violations"
  ON public.user_violations FOR SELECT TO authenticated
  USING ((select auth.uid()) = user_id);
