-- 014_notifications: in-app notifications (system, feature announcements,
-- limit warnings), the welcome notification for new users, and read_at
-- stamping (daily_cleanup() deletes notifications read more than 7 days ago).

CREATE TABLE public.notifications (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  type       text NOT NULL CHECK (type IN ('system', 'feature_announcement', 'limit_warning')),
  title      text NOT NULL,
  message    text NOT NULL,
  action_url text,
  metadata   jsonb NOT NULL DEFAULT '{}'::jsonb,
  is_read    boolean NOT NULL DEFAULT false,
  read_at    timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idx_notifications_user_id ON public.notifications (user_id, created_at DESC);
CREATE INDEX idx_notifications_unread ON public.notifications (user_id) WHERE NOT is_read;
CREATE INDEX idx_notifications_read_at ON public.notifications (read_at) WHERE is_read;

-- Not shown in the source document: designed so clients only flip is_read and
-- the cleanup still knows when it was read.
CREATE FUNCTION public.stamp_notification_read_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF NEW.is_read AND NOT OLD.is_read THEN
    NEW.read_at := coalesce(NEW.read_at, now());
  ELSIF NOT NEW.is_read THEN
    NEW.read_at := NULL;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER stamp_notification_read_at
  BEFORE UPDATE OF is_read ON public.notifications
  FOR EACH ROW EXECUTE FUNCTION public.stamp_notification_read_at();

-- welcome_new_user: new users get a welcome message.
-- Not shown in the source document: designed on user_profiles (created for
-- every new auth user by handle_new_user), wording designed.
CREATE FUNCTION public.welcome_new_user()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  INSERT INTO public.notifications (user_id, type, title, message, action_url, metadata)
  VALUES (
    NEW.id,
    'system',
    'Welcome to MIRAI',
    'Hi ' || coalesce(NEW.full_name, 'there')
      || '! Start a new conversation to try MIRAI. The free plan includes 100 messages and 10 new conversations per day.',
    '/chat/new',
    jsonb_build_object('kind', 'welcome')
  );
  RETURN NULL;
END;
$$;

CREATE TRIGGER welcome_new_user
  AFTER INSERT ON public.user_profiles
  FOR EACH ROW EXECUTE FUNCTION public.welcome_new_user();

-- Row level security: full control over own notifications.
ALTER TABLE public.notifications ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can view own notifications"
  ON public.notifications FOR SELECT TO authenticated
  USING ((select auth.uid()) = user_id);

CREATE POLICY "Users can create own notifications"
  ON public.notifications FOR INSERT TO authenticated
  WITH CHECK ((select auth.uid()) = user_id);

CREATE POLICY "Users can update own notifications"
  ON public.notifications FOR UPDATE TO authenticated
  USING ((select auth.uid()) = user_id)
  WITH CHECK ((select auth.uid()) = user_id);

CREATE POLICY "Users can delete own notifications"
  ON public.notifications FOR DELETE TO authenticated
  USING ((select auth.uid()) = user_id);
