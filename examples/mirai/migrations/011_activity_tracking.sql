-- 011_activity_tracking: automatic activity triggers. Adds
-- user_profiles.last_seen_at, records conversation_created, message_sent and
-- signup events, and keeps last_seen_at current from every tracked event.

ALTER TABLE public.user_profiles ADD COLUMN last_seen_at timestamptz;

-- track_new_conversation: records a conversation_created event.
CREATE FUNCTION public.track_new_conversation()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  INSERT INTO public.analytics_events (user_id, event_type, event_data)
  VALUES (NEW.user_id, 'conversation_created',
          jsonb_build_object('conversation_id', NEW.id, 'model', NEW.model));
  RETURN NULL;
END;
$$;

CREATE TRIGGER track_new_conversation
  AFTER INSERT ON public.conversations
  FOR EACH ROW EXECUTE FUNCTION public.track_new_conversation();

-- Not named in the source document, which lists message_sent among the
-- events: designed as the trigger that records it for messages the user sends.
CREATE FUNCTION public.track_message_sent()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  INSERT INTO public.analytics_events (user_id, event_type, event_data)
  VALUES (NEW.user_id, 'message_sent',
          jsonb_build_object('conversation_id', NEW.conversation_id,
                             'message_id', NEW.id,
                             'token_count', NEW.token_count));
  RETURN NULL;
END;
$$;

CREATE TRIGGER track_message_sent
  AFTER INSERT ON public.chat_messages
  FOR EACH ROW WHEN (NEW.role = 'user')
  EXECUTE FUNCTION public.track_message_sent();

-- Not named in the source document, which lists signup among the events:
-- designed as the trigger that records it when the profile is created.
CREATE FUNCTION public.track_signup()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  INSERT INTO public.analytics_events (user_id, event_type, event_data)
  VALUES (NEW.id, 'signup', jsonb_build_object('subscription_tier', NEW.subscription_tier));
  RETURN NULL;
END;
$$;

CREATE TRIGGER track_signup
  AFTER INSERT ON public.user_profiles
  FOR EACH ROW EXECUTE FUNCTION public.track_signup();

-- update_user_last_seen: any tracked activity of a user (login, message_sent,
-- conversation_created, custom track_event() calls) updates last_seen_at.
-- Not shown in the source document: designed on analytics_events, throttled
-- to one profile write per minute per user.
CREATE FUNCTION public.update_user_last_seen()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  UPDATE public.user_profiles AS p
     SET last_seen_at = now()
   WHERE p.id = NEW.user_id
     AND (p.last_seen_at IS NULL OR p.last_seen_at < now() - interval '1 minute');
  RETURN NULL;
END;
$$;

CREATE TRIGGER update_user_last_seen
  AFTER INSERT ON public.analytics_events
  FOR EACH ROW WHEN (NEW.user_id IS NOT NULL)
  EXECUTE FUNCTION public.update_user_last_seen();
