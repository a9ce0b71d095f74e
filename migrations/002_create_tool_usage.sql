-- 002_create_tool_usage: per-tool usage counters for analytics, with an
-- atomic increment and a popularity report.

CREATE TABLE public.tool_usage (
  id           uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  tool_id      text        NOT NULL UNIQUE,
  count        integer     NOT NULL DEFAULT 0,
  last_used_at timestamptz NOT NULL DEFAULT now(),
  created_at   timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.tool_usage IS 'Tool usage statistics';

-- Atomically increments a tool's counter, creating its row on first use.
CREATE OR REPLACE FUNCTION public.increment_tool_usage(p_tool_id text)
RETURNS void
LANGUAGE sql
SET search_path = ''
AS $$
  INSERT INTO public.tool_usage AS t (tool_id, count, last_used_at)
  VALUES (p_tool_id, 1, now())
  ON CONFLICT (tool_id) DO UPDATE
    SET count = t.count + 1,
        last_used_at = now();
$$;

-- Tool usage sorted by popularity (most used first, then most recent).
CREATE OR REPLACE FUNCTION public.get_tool_stats()
RETURNS TABLE (tool_id text, count integer, last_used_at timestamptz)
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT t.tool_id, t.count, t.last_used_at
  FROM public.tool_usage t
  ORDER BY t.count DESC, t.last_used_at DESC, t.tool_id;
$$;

ALTER TABLE public.tool_usage ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Anyone can read" ON public.tool_usage
  FOR SELECT TO anon, authenticated USING (true);

CREATE POLICY "Service role can write" ON public.tool_usage
  FOR ALL TO service_role USING (true) WITH CHECK (true);
