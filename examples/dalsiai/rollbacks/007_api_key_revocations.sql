-- Reverse of 007: drop the revocation functions and history table.
DROP FUNCTION IF EXISTS public.revoke_expired_api_keys();
DROP FUNCTION IF EXISTS public.revoke_api_key(uuid, text, uuid, inet, text);
DROP TABLE IF EXISTS public.api_key_revocations;
