-- Reverses 004_add_favorites.
DROP FUNCTION IF EXISTS public.set_favorite(uuid, boolean);
DROP FUNCTION IF EXISTS public.toggle_favorite(uuid);
DROP INDEX IF EXISTS public.idx_generated_content_title;
DROP INDEX IF EXISTS public.idx_generated_content_user_favorites;
DROP INDEX IF EXISTS public.idx_generated_content_is_favorite;
ALTER TABLE public.generated_content
  DROP COLUMN IF EXISTS title,
  DROP COLUMN IF EXISTS tool_name,
  DROP COLUMN IF EXISTS is_favorite;
