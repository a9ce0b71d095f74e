-- 003_users_updated_at_trigger: keep users.updated_at filled for writers other than Prisma.
-- Not shown in the source document: designed as follows. users.updated_at is Prisma's @updatedAt:
-- NOT NULL with no database default, set by the Prisma client on every write. Raw SQL writers
-- (seed scripts, admin consoles, jobs) would otherwise fail the NOT NULL or leave it stale.
-- The trigger fills it only when the writer did not: on INSERT when it is NULL, on UPDATE when
-- the statement left it unchanged. Values are UTC, like the ones Prisma writes into TIMESTAMP(3).
CREATE FUNCTION public.set_users_updated_at()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.updated_at IS NULL THEN
            NEW.updated_at := now() AT TIME ZONE 'UTC';
        END IF;
    ELSIF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now() AT TIME ZONE 'UTC';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER users_set_updated_at
    BEFORE INSERT OR UPDATE ON public.users
    FOR EACH ROW
    EXECUTE FUNCTION public.set_users_updated_at();
