-- Seed checks for examples/subtle (plain PostgreSQL, Prisma schema).
-- Run after up + seed, inside a transaction that is rolled back.
SET LOCAL TimeZone = 'UTC';

-- Fixture sanity: the demo data is there and holds no usable password hash.
DO $$
BEGIN
    ASSERT (SELECT count(*) FROM users WHERE id LIKE 'demo_user_%') = 3,
        'expected 3 demo users';
    ASSERT NOT EXISTS (SELECT 1 FROM users WHERE password_hash LIKE '$2%'),
        'expected no bcrypt-looking password hash in the fixtures';
    ASSERT (SELECT password_hash FROM users WHERE id = 'demo_user_admin') = rpad('!disabled-demo-account', 60, '!'),
        'expected the admin password_hash to be the disabled placeholder';
END $$;

-- 002_id_defaults: an insert without id gets a gen_random_uuid() text id.
DO $$
DECLARE new_id text;
BEGIN
    INSERT INTO user_activity (user_id, action) VALUES ('demo_user_2', 'probe') RETURNING id INTO new_id;
    ASSERT new_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$',
        format('expected a uuid-shaped default id, got %s', new_id);
    DELETE FROM user_activity WHERE id = new_id;
END $$;

-- 003_users_updated_at_trigger: filled on insert, bumped on update, explicit values kept.
DO $$
DECLARE ts timestamp(3);
BEGIN
    INSERT INTO users (id, email, password_hash) VALUES ('check_user_tmp', 'tmp@example.org', rpad('!disabled', 60, '!'));
    ASSERT (SELECT updated_at FROM users WHERE id = 'check_user_tmp') = (now() AT TIME ZONE 'UTC')::timestamp(3),
        'expected updated_at filled with now (UTC) on insert';
    DELETE FROM users WHERE id = 'check_user_tmp';

    UPDATE users SET updated_at = '2020-01-01 00:00:00', full_name = 'Test User 1' WHERE id = 'demo_user_1';
    ASSERT (SELECT updated_at FROM users WHERE id = 'demo_user_1') = '2020-01-01 00:00:00'::timestamp,
        'expected an explicitly written updated_at (2020-01-01) to be kept';
    UPDATE users SET full_name = 'Test User One' WHERE id = 'demo_user_1';
    SELECT updated_at INTO ts FROM users WHERE id = 'demo_user_1';
    ASSERT ts = (now() AT TIME ZONE 'UTC')::timestamp(3),
        format('expected updated_at bumped to now (UTC) on update, got %s', ts);
END $$;

-- 005_data_constraints: each CHECK rejects a bad row.
DO $$
DECLARE
    stmts text[] := ARRAY[
        $q$INSERT INTO users (email, password_hash) VALUES ('not-an-email', rpad('!x', 60, '!'))$q$,
        $q$INSERT INTO users (email, password_hash, subscription_tier) VALUES ('gold@example.com', rpad('!x', 60, '!'), 'gold')$q$,
        $q$INSERT INTO users (email, password_hash) VALUES ('short@example.com', rpad('!x', 59, '!'))$q$,
        $q$INSERT INTO sessions (user_id, refresh_token, expires_at, created_at) VALUES ('demo_user_1', 'x', '2024-01-01', '2024-01-01')$q$,
        $q$INSERT INTO billing_history (user_id, amount, status) VALUES ('demo_user_1', 0, 'completed')$q$,
        $q$INSERT INTO billing_history (user_id, amount, status) VALUES ('demo_user_1', 5, 'chargeback')$q$
    ];
    s text;
    rejected boolean;
BEGIN
    FOREACH s IN ARRAY stmts LOOP
        rejected := false;
        BEGIN
            EXECUTE s;
        EXCEPTION WHEN check_violation THEN
            rejected := true;
        END;
        ASSERT rejected, format('expected a check_violation for: %s', s);
    END LOOP;
    -- and a valid row passes every check
    INSERT INTO billing_history (id, user_id, amount, status) VALUES ('check_bill_ok', 'demo_user_1', 0.01, 'pending');
    ASSERT (SELECT currency FROM billing_history WHERE id = 'check_bill_ok') = 'USD', 'expected currency default USD';
    DELETE FROM billing_history WHERE id = 'check_bill_ok';
END $$;

-- get_user_stats(): pin the fixture users onto the day boundaries first
-- (Test User 2 at today's midnight, Test User 1 exactly 7 days before it; the admin stays 60 days back).
UPDATE users SET created_at = CURRENT_DATE::timestamp WHERE id = 'demo_user_2';
UPDATE users SET created_at = CURRENT_DATE - INTERVAL '7 days' WHERE id = 'demo_user_1';
DO $$
DECLARE r record;
BEGIN
    SELECT * INTO r FROM get_user_stats();
    ASSERT r.total_users = 3, format('expected total_users = 3, got %s', r.total_users);
    ASSERT r.active_users_today = 1, format('expected active_users_today = 1 (user2), got %s', r.active_users_today);
    ASSERT r.new_users_this_week = 2, format('expected new_users_this_week = 2 (user1, user2), got %s', r.new_users_this_week);
    ASSERT r.total_usage_metrics = 5, format('expected total_usage_metrics = 5, got %s', r.total_usage_metrics);

    -- one millisecond before the boundaries, both users drop out of their windows
    UPDATE users SET created_at = created_at - INTERVAL '1 millisecond' WHERE id IN ('demo_user_1', 'demo_user_2');
    SELECT * INTO r FROM get_user_stats();
    ASSERT r.active_users_today = 0, format('expected active_users_today = 0 after moving user2 before midnight, got %s', r.active_users_today);
    ASSERT r.new_users_this_week = 1, format('expected new_users_this_week = 1 (user2 only), got %s', r.new_users_this_week);
END $$;

-- get_user_activity_summary(user_id)
DO $$
DECLARE r record;
BEGIN
    SELECT * INTO r FROM get_user_activity_summary('demo_user_1');
    ASSERT r.total_actions = 5, format('expected user1 total_actions = 5, got %s', r.total_actions);
    ASSERT r.actions_this_week = 3, format('expected user1 actions_this_week = 3, got %s', r.actions_this_week);
    ASSERT r.last_activity = (SELECT created_at FROM user_activity WHERE id = 'demo_act_u1_login_1'),
        format('expected user1 last_activity = created_at of demo_act_u1_login_1, got %s', r.last_activity);
    ASSERT r.most_common_action = 'login', format('expected user1 most_common_action = login, got %s', r.most_common_action);

    SELECT * INTO r FROM get_user_activity_summary('demo_user_2');
    ASSERT r.total_actions = 1 AND r.actions_this_week = 1 AND r.most_common_action = 'login',
        format('expected user2 (1, 1, login), got (%s, %s, %s)', r.total_actions, r.actions_this_week, r.most_common_action);

    -- a tie (1 login, 1 export) resolves alphabetically to 'export'
    INSERT INTO user_activity (id, user_id, action) VALUES ('check_act_u2_export', 'demo_user_2', 'export');
    SELECT * INTO r FROM get_user_activity_summary('demo_user_2');
    ASSERT r.total_actions = 2 AND r.most_common_action = 'export',
        format('expected user2 (2, export) after the tie, got (%s, %s)', r.total_actions, r.most_common_action);
    ASSERT r.last_activity = (SELECT created_at FROM user_activity WHERE id = 'check_act_u2_export'),
        'expected user2 last_activity = the newly inserted action';

    SELECT * INTO r FROM get_user_activity_summary('no_such_user');
    ASSERT r.total_actions = 0 AND r.actions_this_week = 0 AND r.last_activity IS NULL AND r.most_common_action IS NULL,
        'expected (0, 0, NULL, NULL) for an unknown user';
END $$;

-- cleanup_expired_sessions(): deletes exactly the expired rows, keeps the live ones.
DO $$
DECLARE n integer;
BEGIN
    ASSERT (SELECT count(*) FROM sessions) = 4, 'expected 4 fixture sessions before cleanup';
    n := cleanup_expired_sessions();
    ASSERT n = 2, format('expected 2 expired sessions deleted, got %s', n);
    ASSERT (SELECT array_agg(id ORDER BY id) FROM sessions) = ARRAY['demo_session_u1_active', 'demo_session_u2_active'],
        'expected only demo_session_u1_active and demo_session_u2_active to remain';
    n := cleanup_expired_sessions();
    ASSERT n = 0, format('expected 0 deleted on a second run, got %s', n);

    -- a session whose expiry is pushed into the past is removed on the next run
    UPDATE sessions SET created_at = (now() AT TIME ZONE 'UTC') - INTERVAL '2 days',
                        expires_at = (now() AT TIME ZONE 'UTC') - INTERVAL '1 second'
     WHERE id = 'demo_session_u2_active';
    n := cleanup_expired_sessions();
    ASSERT n = 1, format('expected 1 deleted after expiring demo_session_u2_active, got %s', n);
    ASSERT NOT EXISTS (SELECT 1 FROM sessions WHERE id = 'demo_session_u2_active'), 'expected demo_session_u2_active deleted';
    ASSERT EXISTS (SELECT 1 FROM sessions WHERE id = 'demo_session_u1_active'), 'expected demo_session_u1_active kept';
END $$;

-- 008 row level security on users, seen from a non-owner role (role exists only in this transaction).
CREATE ROLE subtle_rls_probe NOLOGIN;
GRANT SELECT, UPDATE ON users TO subtle_rls_probe;
SET LOCAL ROLE subtle_rls_probe;
DO $$
DECLARE n integer;
BEGIN
    PERFORM set_config('app.current_user_id', 'demo_user_1', true);
    ASSERT (SELECT array_agg(id) FROM users) = ARRAY['demo_user_1'], 'expected user1 to see only its own row';
    UPDATE users SET full_name = 'hijacked' WHERE id = 'demo_user_2';
    GET DIAGNOSTICS n = ROW_COUNT;
    ASSERT n = 0, format('expected user1 unable to update user2, updated %s', n);

    PERFORM set_config('app.current_user_id', 'demo_user_admin', true);
    ASSERT (SELECT count(*) FROM users) = 3, 'expected the enterprise admin to see all 3 users';

    PERFORM set_config('app.current_user_id', '', true);
    ASSERT (SELECT count(*) FROM users) = 0, 'expected no rows when app.current_user_id is empty';
END $$;
RESET ROLE;
DO $$
BEGIN
    ASSERT (SELECT full_name FROM users WHERE id = 'demo_user_2') = 'Test User 2', 'expected user2 full_name unchanged (Test User 2)';
END $$;
