-- Reverse of 015: drop the performance view, then email_campaigns.
DROP VIEW IF EXISTS public.email_campaign_performance;
DROP TABLE IF EXISTS public.email_campaigns;
