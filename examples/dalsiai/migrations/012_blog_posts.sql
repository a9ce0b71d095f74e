-- Blog posts: drafts visible to their author, published posts to everyone;
-- published_at is stamped when a post is first published.

CREATE TABLE public.blog_posts (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title            text NOT NULL,
  slug             text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  content          text NOT NULL DEFAULT '',
  excerpt          text,
  featured_image   text,
  author_id        uuid REFERENCES public.users (id) ON DELETE SET NULL,
  status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
  published_at     timestamptz,
  seo_title        text,
  seo_description  text,
  tags             text[] NOT NULL DEFAULT '{}',
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX blog_posts_published_idx ON public.blog_posts (published_at DESC) WHERE status = 'published';
CREATE INDEX blog_posts_author_id_idx ON public.blog_posts (author_id);
CREATE INDEX blog_posts_tags_idx ON public.blog_posts USING gin (tags);

-- Not shown in the source document: stamps published_at the first time a
-- post reaches 'published' (an explicit published_at is kept).
CREATE FUNCTION public.blog_posts_set_published_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF NEW.status = 'published' AND NEW.published_at IS NULL THEN
    NEW.published_at := now();
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER blog_posts_set_published_at
  BEFORE INSERT OR UPDATE OF status ON public.blog_posts
  FOR EACH ROW EXECUTE FUNCTION public.blog_posts_set_published_at();

CREATE TRIGGER blog_posts_set_updated_at
  BEFORE UPDATE ON public.blog_posts
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.blog_posts ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Anyone can read published posts"
  ON public.blog_posts FOR SELECT TO anon, authenticated
  USING (status = 'published' AND published_at <= now());

CREATE POLICY "Authors can read their own posts"
  ON public.blog_posts FOR SELECT TO authenticated
  USING (author_id = (select auth.uid()));

CREATE POLICY "Authors can update their own posts"
  ON public.blog_posts FOR UPDATE TO authenticated
  USING (author_id = (select auth.uid()))
  WITH CHECK (author_id = (select auth.uid()));
