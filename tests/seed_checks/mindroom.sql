-- MindRoom seed checks: run after `dbward up` + `dbward seed`, inside a
-- transaction that is rolled back. Every function the document names is called
-- on the fixture data and its result asserted. The blocks build on each other
-- (one transaction), so their order matters.

-- ---------------------------------------------------------------- reference data
DO $$
BEGIN
  ASSERT (SELECT count(*) FROM public.tier_limits) = 4, 'expected 4 tier_limits rows';
  ASSERT (SELECT max_messages_per_day FROM public.tier_limits WHERE tier = 'free') = 100,
    'expected the free tier to allow 100 messages a day';
  ASSERT (SELECT count(*) FROM public.accounts) = 5, 'expected 5 demo accounts';
  ASSERT (SELECT count(*) FROM public.instances) = 5, 'expected 5 demo instances';
  ASSERT (SELECT max_messages_per_day FROM public.subscriptions WHERE id = 'b2000000-0000-4000-8000-000000000002') = 1000,
    'expected bob''s starter subscription to carry the starter limit 1000 (apply_tier_limits)';
END $$;

-- ---------------------------------------------------------------- sign-up triggers
INSERT INTO auth.users (id, aud, role, email, raw_user_meta_data)
VALUES ('a1000000-0000-4000-8000-0000000000ff', 'authenticated', 'authenticated', 'frank@example.com',
        '{"full_name": "Frank Check", "company_name": "Check GmbH"}');
DO $$
BEGIN
  ASSERT (SELECT full_name FROM public.accounts WHERE id = 'a1000000-0000-4000-8000-0000000000ff') = 'Frank Check',
    'expected handle_new_user to create an account with full_name Frank Check';
  UPDATE auth.users SET email = 'frank.new@example.com' WHERE id = 'a1000000-0000-4000-8000-0000000000ff';
  ASSERT (SELECT email FROM public.accounts WHERE id = 'a1000000-0000-4000-8000-0000000000ff') = 'frank.new@example.com',
    'expected handle_user_email_change to copy the new email frank.new@example.com';
END $$;

-- ---------------------------------------------------------------- updated_at trigger
DO $$
DECLARE v_before timestamptz;
BEGIN
  SELECT updated_at INTO v_before FROM public.accounts WHERE id = 'a1000000-0000-4000-8000-000000000001';
  ASSERT v_before < now(), 'expected the seeded updated_at to be older than this transaction';
  UPDATE public.accounts SET company_name = 'Alice Labs GmbH' WHERE id = 'a1000000-0000-4000-8000-000000000001';
  ASSERT (SELECT updated_at FROM public.accounts WHERE id = 'a1000000-0000-4000-8000-000000000001') = now(),
    'expected set_updated_at to stamp accounts.updated_at with now()';
  UPDATE public.support_tickets SET description = description || ' (update)' WHERE id = 'd4000000-0000-4000-8000-000000000002';
  ASSERT (SELECT updated_at FROM public.support_tickets WHERE id = 'd4000000-0000-4000-8000-000000000002') = now(),
    'expected set_updated_at to stamp support_tickets.updated_at with now()';
END $$;

-- ---------------------------------------------------------------- support ticket trigger
DO $$
BEGIN
  ASSERT (SELECT priority FROM public.support_tickets WHERE id = 'd4000000-0000-4000-8000-000000000001') = 'normal',
    'expected alice''s (free tier) high priority request to be capped to normal';
  ASSERT (SELECT is_priority FROM public.support_tickets WHERE id = 'd4000000-0000-4000-8000-000000000002'),
    'expected carol''s (professional) ticket to have priority support';
  ASSERT (SELECT priority FROM public.support_tickets WHERE id = 'd4000000-0000-4000-8000-000000000002') = 'high',
    'expected carol''s ticket to keep priority high';
  UPDATE public.support_tickets SET status = 'resolved' WHERE id = 'd4000000-0000-4000-8000-000000000002';
  ASSERT (SELECT resolved_at FROM public.support_tickets WHERE id = 'd4000000-0000-4000-8000-000000000002') = now(),
    'expected resolved_at = now() when a ticket is resolved';
  UPDATE public.support_tickets SET status = 'in_progress' WHERE id = 'd4000000-0000-4000-8000-000000000002';
  ASSERT (SELECT resolved_at FROM public.support_tickets WHERE id = 'd4000000-0000-4000-8000-000000000002') IS NULL,
    'expected resolved_at cleared when a ticket is reopened';
END $$;

-- ---------------------------------------------------------------- user functions
DO $$
DECLARE r record;
BEGIN
  SELECT * INTO r FROM public.get_user_instance('a1000000-0000-4000-8000-000000000003');
  ASSERT r.instance_id = 'c3000000-0000-4000-8000-000000000003',
    'expected get_user_instance(carol) to return her running instance c3...03';
  ASSERT r.tier = 'professional' AND r.subdomain = 'carol-main',
    'expected get_user_instance(carol) to report tier professional, subdomain carol-main';
  ASSERT (SELECT count(*) FROM public.get_user_instance('a1000000-0000-4000-8000-000000000004')) = 0,
    'expected get_user_instance(dave, cancelled) to return no row';
  ASSERT (SELECT count(*) FROM public.get_all_user_instances('a1000000-0000-4000-8000-000000000003')) = 2,
    'expected get_all_user_instances(carol) to list 2 instances';
  ASSERT (SELECT array_agg(status::text ORDER BY subdomain) FROM public.get_all_user_instances('a1000000-0000-4000-8000-000000000003'))
         = ARRAY['running', 'stopped'],
    'expected carol''s instances to be running (carol-main) and stopped (carol-staging)';

  ASSERT public.has_active_subscription('a1000000-0000-4000-8000-000000000001'), 'expected alice to have an active subscription';
  ASSERT NOT public.has_active_subscription('a1000000-0000-4000-8000-000000000004'), 'expected dave (cancelled) to have none';
  ASSERT NOT public.has_active_subscription('a1000000-0000-4000-8000-0000000000ff'), 'expected frank (no subscription) to have none';

  ASSERT public.check_user_permission('a1000000-0000-4000-8000-000000000003', 'custom_agents'),
    'expected carol (professional) to have custom_agents';
  ASSERT public.check_user_permission('a1000000-0000-4000-8000-000000000002', 'api_access'),
    'expected bob (starter) to have api_access';
  ASSERT NOT public.check_user_permission('a1000000-0000-4000-8000-000000000001', 'api_access'),
    'expected alice (free) not to have api_access';
  ASSERT NOT public.check_user_permission('a1000000-0000-4000-8000-000000000004', 'api_access'),
    'expected dave (cancelled) not to have api_access';
  ASSERT NOT public.check_user_permission('a1000000-0000-4000-8000-000000000003', 'no_such_feature'),
    'expected an unknown feature to be refused';
END $$;

-- ---------------------------------------------------------------- activity summary
DO $$
DECLARE r record;
BEGIN
  SELECT * INTO r FROM public.get_user_activity_summary('a1000000-0000-4000-8000-000000000003', 30);
  ASSERT r.account_id = 'a1000000-0000-4000-8000-000000000003', 'expected a summary row for carol';
  ASSERT r.email = 'carol@example.org', 'expected carol''s email carol@example.org';
  ASSERT r.tier = 'professional' AND r.subscription_status = 'active', 'expected professional / active';
  ASSERT r.instance_count = 2 AND r.running_instances = 1, 'expected 2 instances, 1 running';
  ASSERT r.messages_in_period = 1000, format('expected 1000 messages in 30 days, got %s', r.messages_in_period);
  ASSERT r.active_days = 1, format('expected 1 active day, got %s', r.active_days);
  ASSERT r.top_agent = 'analyst', format('expected top agent analyst, got %s', r.top_agent);
  ASSERT r.open_tickets = 1, format('expected 1 open ticket, got %s', r.open_tickets);
  ASSERT r.active_api_keys = 1, format('expected 1 active API key, got %s', r.active_api_keys);
  ASSERT r.last_activity_at BETWEEN now() - interval '31 days' AND now() - interval '29 days',
    'expected last activity about 30 days ago';
  ASSERT r.last_audit_action = 'config_updated', format('expected last audit action config_updated, got %s', r.last_audit_action);

  SELECT * INTO r FROM public.get_user_activity_summary('a1000000-0000-4000-8000-000000000003', 60);
  ASSERT r.messages_in_period = 1220, format('expected 1220 messages in 60 days, got %s', r.messages_in_period);
  ASSERT r.active_days = 3, format('expected 3 active days in 60 days, got %s', r.active_days);
  ASSERT (SELECT count(*) FROM public.get_user_activity_summary('a1000000-0000-4000-8000-0000000000aa')) = 0,
    'expected no summary for an unknown user';
END $$;

-- ---------------------------------------------------------------- billing metrics
DO $$
DECLARE r record;
BEGIN
  SELECT * INTO r FROM public.get_billing_metrics('a1000000-0000-4000-8000-000000000002', current_date - 7, current_date);
  ASSERT r.total_messages = 550, format('expected bob 550 messages in the last week, got %s', r.total_messages);
  ASSERT r.messages_sent = 300 AND r.messages_received = 250, 'expected 300 sent / 250 received';
  ASSERT r.active_days = 2, format('expected 2 active days, got %s', r.active_days);
  ASSERT r.unique_agents = 2 AND r.unique_tools = 2, 'expected 2 agents (assistant, coder) and 2 tools (github, shell)';
  ASSERT r.platforms = ARRAY['discord', 'telegram'], format('expected platforms {discord,telegram}, got %s', r.platforms);
  ASSERT r.peak_storage_mb = 2048, format('expected peak storage 2048 MB, got %s', r.peak_storage_mb);
  ASSERT r.average_daily_messages = 275.00, format('expected 275.00 messages a day, got %s', r.average_daily_messages);

  SELECT * INTO r FROM public.get_billing_metrics('a1000000-0000-4000-8000-000000000002', current_date - 500, current_date - 300);
  ASSERT r.total_messages = 20 AND r.active_days = 1, 'expected only the 400-day-old row: 20 messages, 1 day';

  SELECT * INTO r FROM public.get_billing_metrics('a1000000-0000-4000-8000-000000000004', current_date - 30, current_date);
  ASSERT r.total_messages = 0 AND r.active_days = 0 AND r.average_daily_messages = 0 AND r.platforms = ARRAY[]::text[],
    'expected all-zero billing metrics for dave';

  BEGIN
    PERFORM public.get_billing_metrics('a1000000-0000-4000-8000-000000000002', current_date, current_date - 1);
    RAISE EXCEPTION 'expected get_billing_metrics to reject an end date before the start date';
  EXCEPTION WHEN invalid_parameter_value THEN NULL;
  END;
END $$;

-- ---------------------------------------------------------------- usage limits, daily reset
DO $$
DECLARE r record;
BEGIN
  -- carol's counter (420) is from yesterday: it counts as 0 today
  SELECT * INTO r FROM public.check_usage_limits('c3000000-0000-4000-8000-000000000003');
  ASSERT r.messages_used = 0 AND r.messages_remaining = 10000 AND r.daily_limit = 10000,
    format('expected carol''s stale counter to read 0 used / 10000 left, got %s / %s', r.messages_used, r.messages_remaining);
  ASSERT r.is_within_limits, 'expected carol within limits';
  ASSERT r.agents_configured = 3 AND r.agent_limit = 10, 'expected 3 of 10 agents';
  ASSERT r.storage_used_gb = 39.063 AND r.storage_limit_gb = 50, 'expected 39.063 of 50 GB';

  SELECT * INTO r FROM public.check_usage_limits('c3000000-0000-4000-8000-000000000001');
  ASSERT r.messages_used = 98 AND r.messages_remaining = 2 AND r.is_within_limits,
    'expected alice at 98 of 100, 2 remaining, within limits';

  ASSERT public.reset_daily_usage() = 3, 'expected reset_daily_usage to reset bob, carol and dave (3)';
  ASSERT (SELECT current_messages_today FROM public.subscriptions WHERE id = 'b2000000-0000-4000-8000-000000000003') = 0,
    'expected carol''s counter reset to 0';
  ASSERT (SELECT last_reset_at FROM public.subscriptions WHERE id = 'b2000000-0000-4000-8000-000000000003') = current_date,
    'expected carol''s last_reset_at = today';
  ASSERT (SELECT current_messages_today FROM public.subscriptions WHERE id = 'b2000000-0000-4000-8000-000000000001') = 98,
    'expected alice''s counter from today untouched (98)';
  ASSERT public.reset_daily_usage() = 0, 'expected a second reset_daily_usage to reset nothing';
END $$;

-- ---------------------------------------------------------------- track_usage: the daily limit
DO $$
DECLARE r record;
BEGIN
  ASSERT public.track_usage('c3000000-0000-4000-8000-000000000001', 'general', 'web_search', 'slack'),
    'expected message 99 of 100 to be within the limit';
  ASSERT public.track_usage('c3000000-0000-4000-8000-000000000001', 'general', 'web_search', 'slack'),
    'expected message 100 of 100 to be within the limit';
  SELECT * INTO r FROM public.check_usage_limits('c3000000-0000-4000-8000-000000000001');
  ASSERT r.messages_used = 100 AND r.messages_remaining = 0 AND NOT r.is_within_limits,
    'expected alice at 100 of 100: 0 remaining, no longer within limits';
  ASSERT NOT public.track_usage('c3000000-0000-4000-8000-000000000001', 'general', NULL, 'slack'),
    'expected message 101 to be over the limit';
  ASSERT NOT public.track_usage('c3000000-0000-4000-8000-000000000001', 'research', NULL, 'matrix'),
    'expected message 102 to be over the limit';
  ASSERT (SELECT current_messages_today FROM public.subscriptions WHERE id = 'b2000000-0000-4000-8000-000000000001') = 102,
    'expected alice''s counter at 102';
  ASSERT (SELECT count(*) FROM public.audit_logs
           WHERE account_id = 'a1000000-0000-4000-8000-000000000001' AND action = 'message_limit_exceeded') = 1,
    'expected exactly one message_limit_exceeded audit row (only the first message over)';

  SELECT * INTO r FROM public.usage_metrics WHERE instance_id = 'c3000000-0000-4000-8000-000000000001' AND date = current_date;
  ASSERT r.messages_sent = 62, format('expected 58 + 4 = 62 messages sent today, got %s', r.messages_sent);
  ASSERT (r.agents_used ->> 'general')::int = 63 AND (r.agents_used ->> 'research')::int = 39,
    format('expected agents general 63 / research 39, got %s', r.agents_used);
  ASSERT (r.tools_used ->> 'web_search')::int = 14, format('expected web_search 14, got %s', r.tools_used);
  ASSERT (r.platforms_active ->> 'slack')::int = 101 AND (r.platforms_active ->> 'matrix')::int = 1,
    format('expected slack 101 / matrix 1, got %s', r.platforms_active);
  ASSERT (SELECT last_activity_at FROM public.instances WHERE id = 'c3000000-0000-4000-8000-000000000001') = now(),
    'expected track_usage to set last_activity_at = now()';

  -- bob: counter from yesterday, no row yet today: starts again at 1
  UPDATE public.subscriptions SET current_messages_today = 999, last_reset_at = current_date - 1
   WHERE id = 'b2000000-0000-4000-8000-000000000002';
  ASSERT public.track_usage('c3000000-0000-4000-8000-000000000002', 'assistant', NULL, 'discord', 'received'),
    'expected bob''s first message of a new day to be within the limit';
  ASSERT (SELECT current_messages_today FROM public.subscriptions WHERE id = 'b2000000-0000-4000-8000-000000000002') = 1,
    'expected bob''s stale counter (999) to restart at 1';
  SELECT * INTO r FROM public.usage_metrics WHERE instance_id = 'c3000000-0000-4000-8000-000000000002' AND date = current_date;
  ASSERT r.messages_received = 1 AND r.messages_sent = 0 AND r.agents_used = '{"assistant": 1}'::jsonb,
    'expected a new usage row for today with 1 received message by assistant';

  BEGIN
    PERFORM public.track_usage('c3000000-0000-4000-8000-000000000002', NULL, NULL, NULL, 'deleted');
    RAISE EXCEPTION 'expected track_usage to reject message_type deleted';
  EXCEPTION WHEN invalid_parameter_value THEN NULL;
  END;
  BEGIN
    PERFORM public.track_usage('c3000000-0000-4000-8000-0000000000aa');
    RAISE EXCEPTION 'expected track_usage to reject an unknown instance';
  EXCEPTION WHEN no_data_found THEN NULL;
  END;
END $$;

-- ---------------------------------------------------------------- storage usage
DO $$
BEGIN
  ASSERT public.calculate_storage_usage('c3000000-0000-4000-8000-000000000003') = 30.000,
    'expected carol-main at 30.000 GB (latest usage row, 30720 MB)';
  ASSERT (SELECT storage_used_mb FROM public.instances WHERE id = 'c3000000-0000-4000-8000-000000000003') = 30720,
    'expected instances.storage_used_mb updated to 30720';
  ASSERT (SELECT current_storage_gb FROM public.subscriptions WHERE id = 'b2000000-0000-4000-8000-000000000003') = 40.000,
    'expected carol''s subscription at 40.000 GB (30720 + 10240 MB)';
  ASSERT NOT EXISTS (SELECT 1 FROM public.audit_logs WHERE action = 'storage_limit_exceeded'
                      AND account_id = 'a1000000-0000-4000-8000-000000000003'),
    'expected no storage_limit_exceeded for carol (40 of 50 GB)';

  UPDATE public.usage_metrics SET storage_used_mb = 1536
   WHERE instance_id = 'c3000000-0000-4000-8000-000000000001' AND date = current_date;
  ASSERT public.calculate_storage_usage('c3000000-0000-4000-8000-000000000001') = 1.500,
    'expected alice''s instance at 1.500 GB';
  ASSERT public.calculate_storage_usage('c3000000-0000-4000-8000-000000000001') = 1.500,
    'expected the same 1.500 GB on a second run';
  ASSERT (SELECT count(*) FROM public.audit_logs WHERE action = 'storage_limit_exceeded'
           AND account_id = 'a1000000-0000-4000-8000-000000000001') = 1,
    'expected exactly one storage_limit_exceeded audit row for alice (1.5 of 1 GB)';
  ASSERT (SELECT is_within_limits FROM public.check_usage_limits('c3000000-0000-4000-8000-000000000003')),
    'expected carol still within limits (40 of 50 GB)';
  ASSERT NOT (SELECT is_within_limits FROM public.check_usage_limits('c3000000-0000-4000-8000-000000000001')),
    'expected alice outside her limits (102 of 100 messages, 1.5 of 1 GB)';
END $$;

-- ---------------------------------------------------------------- auto-pause
DO $$
DECLARE r record;
BEGIN
  ASSERT public.auto_pause_inactive_instances() = 1, 'expected exactly 1 instance paused (erin, free, idle 10 days)';
  SELECT * INTO r FROM public.instances WHERE id = 'c3000000-0000-4000-8000-000000000005';
  ASSERT r.status = 'paused' AND r.status_reason = 'auto_paused_inactive', 'expected erin''s instance paused for inactivity';
  ASSERT r.last_stopped_at = now(), 'expected the status trigger to stamp last_stopped_at = now()';
  ASSERT (SELECT status FROM public.instances WHERE id = 'c3000000-0000-4000-8000-000000000003') = 'running',
    'expected carol''s professional instance (idle 30 days) to stay running';
  ASSERT (SELECT status FROM public.instances WHERE id = 'c3000000-0000-4000-8000-000000000001') = 'running',
    'expected alice''s active free instance to stay running';
  ASSERT (SELECT count(*) FROM public.audit_logs WHERE action = 'instance_auto_paused'
           AND account_id = 'a1000000-0000-4000-8000-000000000005') = 1,
    'expected one instance_auto_paused audit row for erin';
  ASSERT public.auto_pause_inactive_instances() = 0, 'expected a second run to pause nothing';
END $$;

-- ---------------------------------------------------------------- health updates
DO $$
BEGIN
  ASSERT public.update_instance_health('c3000000-0000-4000-8000-000000000002', 'critical',
                                       '{"check": "http", "code": 502}', 'backend returned 502') = 'running',
    'expected update_instance_health to return status running for bob';
  ASSERT (SELECT health_status FROM public.instances WHERE id = 'c3000000-0000-4000-8000-000000000002') = 'critical',
    'expected bob''s health critical';
  ASSERT (SELECT last_health_check FROM public.instances WHERE id = 'c3000000-0000-4000-8000-000000000002') = now(),
    'expected last_health_check = now()';
  ASSERT (SELECT count(*) FROM public.audit_logs WHERE instance_id = 'c3000000-0000-4000-8000-000000000002'
           AND action = 'instance_health_degraded' AND NOT success AND error_message = 'backend returned 502') = 1,
    'expected one failed instance_health_degraded audit row with the error';
  PERFORM public.update_instance_health('c3000000-0000-4000-8000-000000000002', 'healthy');
  ASSERT (SELECT count(*) FROM public.audit_logs WHERE instance_id = 'c3000000-0000-4000-8000-000000000002'
           AND action = 'instance_health_recovered') = 1,
    'expected one instance_health_recovered audit row';
  ASSERT (SELECT error_message FROM public.instances WHERE id = 'c3000000-0000-4000-8000-000000000002') IS NULL,
    'expected the error cleared after a healthy check';
  BEGIN
    PERFORM public.update_instance_health('c3000000-0000-4000-8000-000000000002', 'sleepy');
    RAISE EXCEPTION 'expected update_instance_health to reject status sleepy';
  EXCEPTION WHEN invalid_parameter_value THEN NULL;
  END;
END $$;

-- ---------------------------------------------------------------- cleanup / retention
DO $$
DECLARE v jsonb;
BEGIN
  v := public.cleanup_expired_data();
  ASSERT v = '{"audit_logs_deleted": 2, "usage_metrics_deleted": 1, "backups_expired": 1,
               "backups_deleted": 2, "api_keys_deactivated": 1, "api_keys_deleted": 1}'::jsonb,
    format('expected cleanup counts 2/1/1/2/1/1, got %s', v);
  ASSERT NOT EXISTS (SELECT 1 FROM public.audit_logs WHERE id IN ('0a000000-0000-4000-8000-000000000001', '0a000000-0000-4000-8000-000000000003')),
    'expected the 100-day instance event and the 400-day security event deleted';
  ASSERT (SELECT count(*) FROM public.audit_logs WHERE id IN ('0a000000-0000-4000-8000-000000000002', '0a000000-0000-4000-8000-000000000004',
                                                             '0a000000-0000-4000-8000-000000000005', '0a000000-0000-4000-8000-000000000006')) = 4,
    'expected the 100-day billing event and the recent events kept (4)';
  ASSERT NOT EXISTS (SELECT 1 FROM public.usage_metrics WHERE date < current_date - 365),
    'expected the 400-day usage row deleted';
  ASSERT (SELECT count(*) FROM public.usage_metrics) = 9, 'expected 9 usage rows left (9 seeded + bob''s new row today - 1 old)';
  ASSERT (SELECT status FROM public.instance_backups WHERE id = 'e5000000-0000-4000-8000-000000000001') = 'expired',
    'expected bob''s 40-day backup expired';
  ASSERT (SELECT expired_at FROM public.instance_backups WHERE id = 'e5000000-0000-4000-8000-000000000001') = now(),
    'expected expired_at = now()';
  ASSERT (SELECT status FROM public.instance_backups WHERE id = 'e5000000-0000-4000-8000-000000000005') = 'completed',
    'expected erin''s only backup kept although past expires_at (newest of a live instance)';
  ASSERT (SELECT status FROM public.instance_backups WHERE id = 'e5000000-0000-4000-8000-000000000002') = 'completed',
    'expected bob''s recent backup kept';
  ASSERT NOT EXISTS (SELECT 1 FROM public.instance_backups WHERE id IN ('e5000000-0000-4000-8000-000000000003', 'e5000000-0000-4000-8000-000000000004')),
    'expected the old failed and the deleted backup rows purged';
  ASSERT NOT (SELECT is_active FROM public.api_keys WHERE id = 'f6000000-0000-4000-8000-000000000002'),
    'expected bob''s expired key deactivated';
  ASSERT (SELECT is_active FROM public.api_keys WHERE id = 'f6000000-0000-4000-8000-000000000001'),
    'expected bob''s non-expiring key still active';
  ASSERT NOT EXISTS (SELECT 1 FROM public.api_keys WHERE id = 'f6000000-0000-4000-8000-000000000003'),
    'expected carol''s key revoked 100 days ago purged';
  v := public.cleanup_expired_data();
  ASSERT v = '{"audit_logs_deleted": 0, "usage_metrics_deleted": 0, "backups_expired": 0,
               "backups_deleted": 0, "api_keys_deactivated": 0, "api_keys_deleted": 0}'::jsonb,
    format('expected a second cleanup to do nothing, got %s', v);
END $$;

-- ---------------------------------------------------------------- provisioning
DO $$
DECLARE
  v_id uuid;
  v_id2 uuid;
  r record;
BEGIN
  v_id := public.provision_instance('b2000000-0000-4000-8000-000000000003',
                                    '{"agents": {"helper": {}}, "teams": {}, "tools": {}, "models": {}, "rooms": []}');
  SELECT * INTO r FROM public.instances WHERE id = v_id;
  ASSERT r.status = 'provisioning', 'expected a new instance in status provisioning';
  ASSERT r.memory_limit_mb = 2048 AND r.cpu_limit = 2.00 AND r.disk_limit_gb = 50,
    'expected professional resources: 2048 MB, 2 CPUs, 50 GB';
  ASSERT r.dokku_app_name = 'mindroom-' || left(replace(v_id::text, '-', ''), 12),
    'expected the Dokku app to be named mindroom-<first 12 hex of the id>';
  ASSERT r.config -> 'agents' ? 'helper', 'expected the given config stored';
  ASSERT (SELECT count(*) FROM public.audit_logs WHERE instance_id = v_id AND action = 'instance_provisioning_started'
           AND account_id = 'a1000000-0000-4000-8000-000000000003') = 1,
    'expected one instance_provisioning_started audit row for carol';

  ASSERT public.update_instance_health(v_id, 'healthy') = 'running',
    'expected the first healthy check to move the new instance to running';
  ASSERT (SELECT provisioned_at FROM public.instances WHERE id = v_id) = now(),
    'expected provisioned_at stamped when the instance starts running';

  BEGIN  -- carol now has 3 of 3 instances
    PERFORM public.provision_instance('b2000000-0000-4000-8000-000000000003');
    RAISE EXCEPTION 'expected provision_instance to refuse a 4th professional instance';
  EXCEPTION WHEN check_violation THEN NULL;
  END;
  BEGIN
    PERFORM public.provision_instance('b2000000-0000-4000-8000-000000000001');
    RAISE EXCEPTION 'expected provision_instance to refuse a 2nd free instance';
  EXCEPTION WHEN check_violation THEN NULL;
  END;
  BEGIN
    PERFORM public.provision_instance('b2000000-0000-4000-8000-000000000004');
    RAISE EXCEPTION 'expected provision_instance to refuse a cancelled subscription';
  EXCEPTION WHEN check_violation THEN NULL;
  END;
  BEGIN
    PERFORM public.provision_instance('b2000000-0000-4000-8000-0000000000aa');
    RAISE EXCEPTION 'expected provision_instance to refuse an unknown subscription';
  EXCEPTION WHEN no_data_found THEN NULL;
  END;

  -- deprovisioning carol's staging instance frees a slot
  ASSERT public.deprovision_instance('c3000000-0000-4000-8000-000000000004', 'customer_request'),
    'expected deprovision_instance(carol-staging) to return true';
  SELECT * INTO r FROM public.instances WHERE id = 'c3000000-0000-4000-8000-000000000004';
  ASSERT r.status = 'deprovisioning' AND r.status_reason = 'customer_request',
    'expected carol-staging deprovisioning for customer_request';
  ASSERT (SELECT count(*) FROM public.instance_backups WHERE instance_id = 'c3000000-0000-4000-8000-000000000004'
           AND backup_type = 'pre_deprovision' AND status = 'pending' AND retention_days = 30
           AND expires_at = now() + interval '30 days') = 1,
    'expected one pending pre_deprovision backup kept 30 days';
  ASSERT (SELECT count(*) FROM public.audit_logs WHERE instance_id = 'c3000000-0000-4000-8000-000000000004'
           AND action = 'instance_deprovisioning_started' AND details ->> 'reason' = 'customer_request') = 1,
    'expected one instance_deprovisioning_started audit row';
  ASSERT NOT public.deprovision_instance('c3000000-0000-4000-8000-000000000004'),
    'expected a second deprovision of the same instance to return false';
  ASSERT NOT public.deprovision_instance('c3000000-0000-4000-8000-0000000000aa'),
    'expected deprovision of an unknown instance to return false';

  v_id2 := public.provision_instance('b2000000-0000-4000-8000-000000000003');
  ASSERT (SELECT config FROM public.instances WHERE id = v_id2) -> 'agents' = '{}'::jsonb,
    'expected a freed slot to allow a new instance with the default (empty) config';

  -- deprovisioning carol-main revokes the API key scoped to it
  ASSERT public.deprovision_instance('c3000000-0000-4000-8000-000000000003'), 'expected deprovision of carol-main';
  ASSERT (SELECT NOT is_active AND revoked_at = now() FROM public.api_keys WHERE id = 'f6000000-0000-4000-8000-000000000004'),
    'expected carol''s instance-scoped API key revoked';
END $$;

-- ---------------------------------------------------------------- tier change
DO $$
DECLARE r record;
BEGIN
  UPDATE public.subscriptions SET tier = 'starter' WHERE id = 'b2000000-0000-4000-8000-000000000005';
  SELECT * INTO r FROM public.subscriptions WHERE id = 'b2000000-0000-4000-8000-000000000005';
  ASSERT r.max_messages_per_day = 1000 AND r.max_storage_gb = 5 AND r.max_agents = 3,
    'expected erin''s limits to follow the starter tier (1000 msgs, 5 GB, 3 agents)';
  ASSERT public.check_user_permission('a1000000-0000-4000-8000-000000000005', 'api_access'),
    'expected erin to gain api_access on starter';
  SELECT * INTO r FROM public.instances WHERE id = 'c3000000-0000-4000-8000-000000000005';
  ASSERT r.memory_limit_mb = 1024 AND r.cpu_limit = 1.00 AND r.disk_limit_gb = 5,
    'expected erin''s instance resized to 1024 MB, 1 CPU, 5 GB';
  ASSERT (SELECT count(*) FROM public.audit_logs WHERE account_id = 'a1000000-0000-4000-8000-000000000005'
           AND action = 'subscription_tier_changed' AND details ->> 'old_tier' = 'free' AND details ->> 'new_tier' = 'starter') = 1,
    'expected one subscription_tier_changed audit row free -> starter';
END $$;

-- ---------------------------------------------------------------- function privileges
DO $$
BEGIN
  ASSERT NOT has_function_privilege('authenticated', 'public.track_usage(uuid,text,text,text,text)', 'EXECUTE'),
    'expected authenticated NOT to execute track_usage';
  ASSERT NOT has_function_privilege('anon', 'public.cleanup_expired_data()', 'EXECUTE'),
    'expected anon NOT to execute cleanup_expired_data';
  ASSERT NOT has_function_privilege('authenticated', 'public.provision_instance(uuid,jsonb)', 'EXECUTE'),
    'expected authenticated NOT to execute provision_instance';
  ASSERT has_function_privilege('service_role', 'public.reset_daily_usage()', 'EXECUTE'),
    'expected service_role to execute reset_daily_usage';
  ASSERT has_function_privilege('authenticated', 'public.get_user_instance(uuid)', 'EXECUTE'),
    'expected authenticated to execute get_user_instance';
END $$;

-- ---------------------------------------------------------------- RLS as alice
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"sub":"a1000000-0000-4000-8000-000000000001","role":"authenticated"}', true);
DO $$
DECLARE n integer;
BEGIN
  ASSERT (SELECT count(*) FROM public.accounts) = 1, 'expected alice to see 1 account';
  ASSERT (SELECT count(*) FROM public.subscriptions) = 1, 'expected alice to see 1 subscription';
  ASSERT (SELECT count(*) FROM public.instances) = 1, 'expected alice to see 1 instance';
  ASSERT (SELECT count(*) FROM public.usage_metrics) = 2, 'expected alice to see her 2 usage rows';
  ASSERT (SELECT count(*) FROM public.audit_logs) = 3,
    'expected alice to see 3 audit rows (provisioning, message limit, storage limit)';
  ASSERT (SELECT count(*) FROM public.support_tickets) = 1, 'expected alice to see 1 ticket';
  ASSERT (SELECT count(*) FROM public.api_keys) = 0, 'expected alice to see no API keys';
  ASSERT (SELECT count(*) FROM public.tier_limits) = 4, 'expected alice to see the 4 tiers';
  ASSERT (SELECT count(*) FROM public.get_user_instance('a1000000-0000-4000-8000-000000000002')) = 0,
    'expected get_user_instance(bob) to return nothing to alice';
  ASSERT (SELECT count(*) FROM public.get_user_activity_summary('a1000000-0000-4000-8000-000000000003')) = 0,
    'expected no activity summary of carol for alice';
  ASSERT NOT public.has_active_subscription('a1000000-0000-4000-8000-000000000002'),
    'expected has_active_subscription(bob) to be false for alice (RLS)';
  ASSERT (SELECT messages_used FROM public.check_usage_limits('c3000000-0000-4000-8000-000000000001')) = 102,
    'expected alice to read her own usage: 102 used';

  UPDATE public.instances SET config = config || '{"rooms": ["lobby", "ops"]}' WHERE id = 'c3000000-0000-4000-8000-000000000001';
  GET DIAGNOSTICS n = ROW_COUNT;
  ASSERT n = 1, 'expected alice to update her own instance config';
  UPDATE public.instances SET config = '{}' WHERE id = 'c3000000-0000-4000-8000-000000000002';
  GET DIAGNOSTICS n = ROW_COUNT;
  ASSERT n = 0, 'expected alice unable to update bob''s instance';
  UPDATE public.subscriptions SET current_messages_today = 0;
  GET DIAGNOSTICS n = ROW_COUNT;
  ASSERT n = 0, 'expected alice unable to update her subscription';
  UPDATE public.accounts SET full_name = 'Alice Renamed';
  GET DIAGNOSTICS n = ROW_COUNT;
  ASSERT n = 1, 'expected alice to update her full_name';

  BEGIN
    UPDATE public.instances SET status = 'running' WHERE id = 'c3000000-0000-4000-8000-000000000001';
    RAISE EXCEPTION 'expected alice NOT allowed to update instances.status';
  EXCEPTION WHEN insufficient_privilege THEN NULL;
  END;
  BEGIN
    UPDATE public.accounts SET stripe_customer_id = 'cus_Forged';
    RAISE EXCEPTION 'expected alice NOT allowed to update accounts.stripe_customer_id';
  EXCEPTION WHEN insufficient_privilege THEN NULL;
  END;
  BEGIN
    INSERT INTO public.audit_logs (account_id, action) VALUES ('a1000000-0000-4000-8000-000000000001', 'forged');
    RAISE EXCEPTION 'expected alice NOT allowed to insert audit logs';
  EXCEPTION WHEN insufficient_privilege THEN NULL;
  END;
  BEGIN
    PERFORM public.track_usage('c3000000-0000-4000-8000-000000000001');
    RAISE EXCEPTION 'expected alice NOT allowed to call track_usage';
  EXCEPTION WHEN insufficient_privilege THEN NULL;
  END;
  BEGIN
    INSERT INTO public.support_tickets (account_id, subject, description)
    VALUES ('a1000000-0000-4000-8000-000000000003', 'forged', 'for carol');
    RAISE EXCEPTION 'expected alice NOT allowed to open a ticket for carol';
  EXCEPTION WHEN insufficient_privilege THEN NULL;
  END;
  BEGIN
    INSERT INTO public.instance_backups (instance_id, backup_type, status, requested_by)
    VALUES ('c3000000-0000-4000-8000-000000000002', 'manual', 'pending', 'a1000000-0000-4000-8000-000000000001');
    RAISE EXCEPTION 'expected alice NOT allowed to request a backup of bob''s instance';
  EXCEPTION WHEN insufficient_privilege THEN NULL;
  END;

  INSERT INTO public.support_tickets (id, account_id, subject, description, priority)
  VALUES ('d4000000-0000-4000-8000-0000000000cc', 'a1000000-0000-4000-8000-000000000001', 'Urgent please', 'Down again', 'urgent');
  INSERT INTO public.instance_backups (id, instance_id, backup_type, status, requested_by)
  VALUES ('e5000000-0000-4000-8000-0000000000cc', 'c3000000-0000-4000-8000-000000000001', 'manual', 'pending',
          'a1000000-0000-4000-8000-000000000001');
END $$;
RESET ROLE;
DO $$
BEGIN
  ASSERT (SELECT priority FROM public.support_tickets WHERE id = 'd4000000-0000-4000-8000-0000000000cc') = 'normal',
    'expected alice''s urgent ticket capped to normal (free tier)';
  ASSERT (SELECT retention_days = 7 AND expires_at = now() + interval '7 days'
            FROM public.instance_backups WHERE id = 'e5000000-0000-4000-8000-0000000000cc'),
    'expected alice''s manual backup kept 7 days (free tier retention)';
  ASSERT (SELECT full_name FROM public.accounts WHERE id = 'a1000000-0000-4000-8000-000000000001') = 'Alice Renamed',
    'expected alice''s full_name changed to Alice Renamed';
  ASSERT (SELECT config -> 'rooms' FROM public.instances WHERE id = 'c3000000-0000-4000-8000-000000000001') = '["lobby", "ops"]'::jsonb,
    'expected alice''s rooms changed to [lobby, ops]';
END $$;

-- ---------------------------------------------------------------- RLS as carol (API keys) and anon
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"sub":"a1000000-0000-4000-8000-000000000003","role":"authenticated"}', true);
DO $$
DECLARE n integer;
BEGIN
  INSERT INTO public.api_keys (account_id, name, key_hash, key_prefix, permissions)
  VALUES ('a1000000-0000-4000-8000-000000000003', 'Check key', encode(sha256('demo-key-not-a-secret-9'::bytea), 'hex'),
          'mr_demo9', ARRAY['read']);
  ASSERT (SELECT count(*) FROM public.api_keys) = 2, 'expected carol to see her 2 API keys (revoked one + new one)';
  DELETE FROM public.api_keys WHERE key_prefix = 'mr_demo1';
  GET DIAGNOSTICS n = ROW_COUNT;
  ASSERT n = 0, 'expected carol unable to delete bob''s key';
  ASSERT (SELECT count(*) FROM public.instance_backups) = 3,
    'expected carol to see 3 backups (carol-main manual + 2 pre_deprovision)';
END $$;
RESET ROLE;
SET LOCAL ROLE anon;
SELECT set_config('request.jwt.claims', '{"role":"anon"}', true);
DO $$
BEGIN
  ASSERT (SELECT count(*) FROM public.tier_limits) = 4, 'expected anon to read the 4 tiers';
  ASSERT (SELECT count(*) FROM public.accounts) = 0, 'expected anon to see no accounts';
  ASSERT (SELECT count(*) FROM public.instances) = 0, 'expected anon to see no instances';
  ASSERT (SELECT count(*) FROM public.api_keys) = 0, 'expected anon to see no API keys';
END $$;
RESET ROLE;
