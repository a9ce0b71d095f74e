-- Reverse of 014: drop contact_submissions.
DROP TABLE IF EXISTS public.contact_submissions;
