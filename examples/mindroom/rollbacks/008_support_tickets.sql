-- Reverse of 008_support_tickets.
DROP TABLE IF EXISTS public.support_tickets;
DROP FUNCTION IF EXISTS public.handle_support_ticket();
