-- Reverse of 006_stats_functions.
DROP FUNCTION IF EXISTS get_user_activity_summary(TEXT);
DROP FUNCTION IF EXISTS get_user_stats();
