-- Shared trigger function that stamps updated_at on every UPDATE.
-- Not shown in the source document: the document lists created_at/updated_at
-- audit columns on many tables; designed as the usual BEFORE UPDATE trigger.

CREATE FUNCTION public.set_updated_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;
