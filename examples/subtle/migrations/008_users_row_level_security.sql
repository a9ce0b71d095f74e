-- 008_users_row_level_security: the "Row Level Security" policies of the document's Security
-- section, for connections that identify the end user with SET app.current_user_id = '<id>'.
-- The Prisma backend connects as the table owner, which bypasses RLS (no FORCE ROW LEVEL
-- SECURITY), so the backend is unaffected; the policies apply to any other role given access.
-- Deliberate changes from the document, which would not work as written:
--   * ids are TEXT (cuid), so the setting is compared as text, not cast to ::UUID;
--   * current_setting(..., true) so an unset variable yields no rows instead of an error;
--   * the admin policy's subquery on users itself would raise "infinite recursion detected in
--     policy for relation users"; the lookup moves into a SECURITY DEFINER helper (owned by the
--     table owner, hence not subject to the policies).
--   * WITH CHECK clauses added so rows cannot be written outside what the policy lets one see.
-- "Admin" keeps the document's definition: subscription_tier = 'enterprise'.

ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;

-- Not shown in the source document: designed as the id of the current end user, or NULL.
CREATE FUNCTION public.app_current_user_id()
RETURNS text
LANGUAGE sql
STABLE
AS $$
    SELECT NULLIF(current_setting('app.current_user_id', true), '')
$$;

-- Not shown in the source document: designed as "is the current end user an admin (enterprise tier)".
CREATE FUNCTION public.app_current_user_is_admin()
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT EXISTS (
        SELECT 1 FROM public.users
        WHERE id = public.app_current_user_id()
          AND subscription_tier = 'enterprise'
    )
$$;

-- Policy: Users can only see their own data
CREATE POLICY user_own_data ON public.users
    FOR ALL
    USING (id = (SELECT public.app_current_user_id()))
    WITH CHECK (id = (SELECT public.app_current_user_id()));

-- Policy: Admins can see all data
CREATE POLICY admin_all_data ON public.users
    FOR ALL
    USING ((SELECT public.app_current_user_is_admin()))
    WITH CHECK ((SELECT public.app_current_user_is_admin()));
