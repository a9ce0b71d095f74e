-- 010_analytics_events: lightweight in-database product analytics
-- (signup, login, message_sent, conversation_created, custom events), kept
-- 30 days by daily_cleanup(), and track_event() to record one.

CREATE TABLE public.analytics_events (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    uuid REFERENCES auth.users (id) ON DELETE CASCADE,  -- NULL: anonymous/system event
  event_type text NOT NULL CHECK (event_type ~ '^[a-z][a-z0-9_]{0,63}$'),
  event_data jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(event_data) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idx_analytics_events_user_id ON public.analytics_events (user_id, created_at DESC);
CREATE INDEX idx_analytics_events_type ON public.analytics_events (event_type, created_at DESC);
CREATE INDEX idx_analytics_events_created_at ON public.analytics_events (created_at);

-- track_event(event_type, data): records an event for the calling user.
-- Not shown in the source document (body): designed as SECURITY DEFINER so
-- clients never insert into the table directly; the user is always
-- auth.uid() (NULL for server-side calls without a user), the payload must be
-- a JSON object of at most 8 kB. Returns the new event id.
CREATE FUNCTION public.track_event(p_event_type text, p_data jsonb DEFAULT '{}'::jsonb)
RETURNS uuid
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_id uuid;
BEGIN
  IF p_data IS NOT NULL AND octet_length(p_data::text) > 8192 THEN
    RAISE EXCEPTION 'track_event: event data larger than 8 kB' USING ERRCODE = '22023';
  END IF;

  INSERT INTO public.analytics_events (user_id, event_type, event_data)
  VALUES ((select auth.uid()), p_event_type, coalesce(p_data, '{}'::jsonb))
  RETURNING id INTO v_id;
  RETURN v_id;
END;
$$;

REVOKE EXECUTE ON FUNCTION public.track_event(text, jsonb) FROM PUBLIC, anon;

-- Row level security: read-only access to own events (writes go through
-- track_event() and the activity triggers).
ALTER TABLE public.analytics_events ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view own events"
  ON public.analytics_events FOR SELECT TO authenticated
  USING ((select auth.uid()) = user_id);
