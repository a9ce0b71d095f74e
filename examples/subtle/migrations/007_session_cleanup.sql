-- 007_session_cleanup: function the expired-session cleanup job calls.
-- Not shown in the source document: designed as follows. sessions rows carry an expires_at
-- (indexed by idx_sessions_expires_at) and nothing removes them, so a periodic job deletes the
-- expired ones. Prisma stores DateTime values as UTC in TIMESTAMP(3) columns, so "now" is taken
-- in UTC. A session expiring exactly now is considered expired. Returns the number of rows deleted.
CREATE FUNCTION public.cleanup_expired_sessions()
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    deleted integer;
BEGIN
    DELETE FROM public.sessions
    WHERE expires_at <= (now() AT TIME ZONE 'UTC');
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN deleted;
END;
$$;
