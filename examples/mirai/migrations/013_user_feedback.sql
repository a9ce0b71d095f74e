-- 013_user_feedback: bug reports, feature requests and general feedback with a
-- 1-5 star rating, optionally linked to the conversation it is about.

CREATE TABLE public.user_feedback (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  feedback_type   text NOT NULL CHECK (feedback_type IN ('bug', 'feature_request', 'general')),
  rating          smallint CHECK (rating BETWEEN 1 AND 5),
  message         text NOT NULL CHECK (char_length(message) BETWEEN 1 AND 5000),
  conversation_id uuid REFERENCES public.conversations (id) ON DELETE SET NULL,
  page_url        text,
  metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Not shown in the source document: a triage status, designed so the team
  -- can "prioritize development based on user input".
  status          text NOT NULL DEFAULT 'new'
                  CHECK (status IN ('new', 'reviewed', 'planned', 'resolved', 'wont_fix')),
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idx_user_feedback_created_at ON public.user_feedback (created_at DESC);
CREATE INDEX idx_user_feedback_type_status ON public.user_feedback (feedback_type, status);
CREATE INDEX idx_user_feedback_user_id ON public.user_feedback (user_id);

-- Row level security: users submit feedback and read what they submitted.
ALTER TABLE public.user_feedback ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users can submit feedback"
  ON public.user_feedback FOR INSERT TO authenticated
  WITH CHECK (
    (select auth.uid()) = user_id
    AND status = 'new'
    AND (conversation_id IS NULL OR EXISTS (
          SELECT 1 FROM public.conversations c
          WHERE c.id = conversation_id AND c.user_id = (select auth.uid())))
  );

CREATE POLICY "Users can view own feedback"
  ON public.user_feedback FOR SELECT TO authenticated
  USING ((select auth.uid()) = user_id);
