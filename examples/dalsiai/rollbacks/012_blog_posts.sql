-- Reverse of 012: drop blog_posts and its published_at trigger function.
DROP TABLE IF EXISTS public.blog_posts;
DROP FUNCTION IF EXISTS public.blog_posts_set_published_at();
