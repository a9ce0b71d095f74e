-- 004_add_favorites: favorites (bookmarks) on generated_content, plus the
-- tool display name and title used by the history view and its search.

ALTER TABLE public.generated_content
  ADD COLUMN is_favorite boolean NOT NULL DEFAULT false,
  ADD COLUMN tool_name   text,
  ADD COLUMN title       text;

CREATE INDEX idx_generated_content_is_favorite ON public.generated_content (is_favorite)
  WHERE is_favorite = true;
CREATE INDEX idx_generated_content_user_favorites
  ON public.generated_content (user_hash, is_favorite, created_at DESC)
  WHERE user_hash IS NOT NULL AND is_favorite = true;
CREATE INDEX idx_generated_content_title ON public.generated_content
  USING gin (to_tsvector('english'::regconfig, coalesce(title, '')));

-- Flips is_favorite and returns the new value (NULL when no such content).
CREATE OR REPLACE FUNCTION public.toggle_favorite(content_id uuid)
RETURNS boolean
LANGUAGE sql
SET search_path = ''
AS $$
  UPDATE public.generated_content
     SET is_favorite = NOT is_favorite
   WHERE id = content_id
  RETURNING is_favorite;
$$;

-- Sets is_favorite explicitly and returns the stored value (NULL when no
-- such content).
CREATE OR REPLACE FUNCTION public.set_favorite(content_id uuid, status boolean)
RETURNS boolean
LANGUAGE sql
SET search_path = ''
AS $$
  UPDATE public.generated_content
     SET is_favorite = status
   WHERE id = content_id
  RETURNING is_favorite;
$$;
