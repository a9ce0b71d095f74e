-- Reverse of 006_audit_logs.
DROP FUNCTION IF EXISTS public.log_audit_event(uuid, uuid, text, text, jsonb, boolean, text);
DROP TABLE IF EXISTS public.audit_logs;
