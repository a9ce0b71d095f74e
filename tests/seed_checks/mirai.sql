-- MIRAI seed checks: run after all migrations and fixtures, inside one
-- transaction that is rolled back. Each section runs in a savepoint and is
-- rolled back to it, so every section starts from the fixture state.
-- Demo users: aiko 1111... (free), ben 2222... (pro), chen 3333... (enterprise),
-- dana 4444... (free, suspended).

------------------------------------------------------------------------------
-- A. State the triggers produced while the fixtures loaded
------------------------------------------------------------------------------
DO $$
DECLARE
  r record;
  v bigint;
BEGIN
  -- handle_new_user (on_auth_user_created)
  SELECT count(*) INTO v FROM public.user_profiles;
  ASSERT v = 4, format('expected 4 profiles created by handle_new_user, got %s', v);
  SELECT * INTO r FROM public.user_profiles WHERE id = '22222222-2222-4222-8222-222222222222';
  ASSERT r.full_name = 'Ben Carter' AND r.avatar_url = 'https://avatars.example.com/ben.png' AND r.email = 'ben@example.com',
    'expected ben''s profile to carry full_name, avatar_url and email from auth.users';
  ASSERT r.created_at = (SELECT created_at FROM auth.users WHERE id = r.id),
    'expected profile created_at to equal the auth.users created_at';

  -- update_conversation_stats (incremental on insert; deleted message m17 not counted)
  SELECT * INTO r FROM public.conversations WHERE id = 'c0000000-0000-4000-8000-000000000001';
  ASSERT r.message_count = 4 AND r.total_tokens = 236,
    format('expected Kyoto conversation 4 messages / 236 tokens, got %s / %s', r.message_count, r.total_tokens);
  ASSERT r.last_message_at = (SELECT created_at FROM public.chat_messages WHERE id = 'b0000000-0000-4000-8000-000000000004'),
    'expected Kyoto last_message_at = created_at of its newest live message m04';
  SELECT * INTO r FROM public.conversations WHERE id = 'c0000000-0000-4000-8000-000000000002';
  ASSERT r.message_count = 4 AND r.total_tokens = 289,
    format('expected Rust conversation 4 messages / 289 tokens, got %s / %s', r.message_count, r.total_tokens);

  -- increment_user_message_counts
  SELECT * INTO r FROM public.user_profiles WHERE id = '11111111-1111-4111-8111-111111111111';
  ASSERT r.total_message_count = 6 AND r.daily_message_count = 1,
    format('expected aiko total 6 / today 1 user messages, got %s / %s', r.total_message_count, r.daily_message_count);

  -- welcome_new_user
  SELECT count(*) INTO v FROM public.notifications WHERE type = 'system' AND metadata ->> 'kind' = 'welcome';
  ASSERT v = 4, format('expected 4 welcome notifications, got %s', v);
  ASSERT EXISTS (SELECT 1 FROM public.notifications
                 WHERE user_id = '11111111-1111-4111-8111-111111111111' AND title = 'Welcome to MIRAI'
                   AND message LIKE 'Hi Aiko Tanaka!%' AND NOT is_read),
    'expected an unread "Welcome to MIRAI" notification greeting Aiko Tanaka';

  -- track_signup, track_new_conversation, track_message_sent
  SELECT count(*) INTO v FROM public.analytics_events WHERE event_type = 'signup';
  ASSERT v = 4, format('expected 4 signup events, got %s', v);
  SELECT count(*) INTO v FROM public.analytics_events WHERE event_type = 'conversation_created';
  ASSERT v = 7, format('expected 7 conversation_created events, got %s', v);
  ASSERT EXISTS (SELECT 1 FROM public.analytics_events WHERE event_type = 'conversation_created'
                   AND event_data ->> 'conversation_id' = 'c0000000-0000-4000-8000-000000000001'
                   AND event_data ->> 'model' = 'gpt-4o-mini'),
    'expected a conversation_created event for the Kyoto conversation with model gpt-4o-mini';
  SELECT count(*) INTO v FROM public.analytics_events WHERE event_type = 'message_sent';
  ASSERT v = 11, format('expected 11 message_sent events (user messages only), got %s', v);
  SELECT count(*) INTO v FROM public.analytics_events;
  ASSERT v = 33, format('expected 33 analytics events after seeding, got %s', v);

  -- update_user_last_seen
  SELECT count(*) INTO v FROM public.user_profiles WHERE last_seen_at IS NULL;
  ASSERT v = 0, format('expected every demo user to have last_seen_at set by tracked activity, %s have none', v);

  -- convert_waitlist_signup
  ASSERT (SELECT converted_user_id FROM public.waitlist WHERE id = '0a000000-0000-4000-8000-000000000001')
         = '44444444-4444-4444-8444-444444444444',
    'expected dana''s waitlist entry converted to her user id';
  ASSERT (SELECT converted_at FROM public.waitlist WHERE id = '0a000000-0000-4000-8000-000000000002') IS NULL,
    'expected erin''s waitlist entry still pending';

  -- log_subscription_change
  SELECT count(*) INTO v FROM public.subscription_history
   WHERE user_id = '22222222-2222-4222-8222-222222222222' AND event_type = 'upgraded'
     AND from_tier = 'free' AND to_tier = 'pro' AND stripe_subscription_id = 'sub_demo_ben';
  ASSERT v = 1, format('expected exactly one free->pro upgrade row for ben, got %s', v);

  -- reference data of 015_rate_limits
  ASSERT (SELECT count(*) FROM public.tier_limits) = 6, 'expected 6 tier_limits rows';
  ASSERT (SELECT daily_limit FROM public.tier_limits WHERE subscription_tier = 'free' AND limit_type = 'messages') = 100,
    'expected free tier limit of 100 messages per day';
  ASSERT (SELECT daily_limit FROM public.tier_limits WHERE subscription_tier = 'free' AND limit_type = 'conversations') = 10,
    'expected free tier limit of 10 conversations per day';

  -- the document's quick-start feedback query
  SELECT count(*) INTO v FROM public.user_feedback WHERE created_at > now() - interval '7 days';
  ASSERT v = 2, format('expected 2 feedback entries from the last 7 days, got %s', v);
END $$;

------------------------------------------------------------------------------
-- B. check_rate_limit()
------------------------------------------------------------------------------
SAVEPOINT s_rate;
DO $$
DECLARE
  aiko constant uuid := '11111111-1111-4111-8111-111111111111';
  ben  constant uuid := '22222222-2222-4222-8222-222222222222';
  chen constant uuid := '33333333-3333-4333-8333-333333333333';
  dana constant uuid := '44444444-4444-4444-8444-444444444444';
  v_ok boolean;
  v_count integer;
  v_warn bigint;
  v_failed boolean;
BEGIN
  -- normal use: counted
  ASSERT public.check_rate_limit(aiko, 'messages') = true, 'expected aiko (42/100) to be allowed';
  SELECT count INTO v_count FROM public.rate_limits WHERE user_id = aiko AND limit_type = 'messages';
  ASSERT v_count = 43, format('expected aiko message count 43 after one check, got %s', v_count);

  -- trips exactly at the limit
  UPDATE public.rate_limits SET count = 99 WHERE user_id = aiko AND limit_type = 'messages';
  ASSERT public.check_rate_limit(aiko, 'messages') = true, 'expected the 100th message of the day to be allowed';
  ASSERT public.check_rate_limit(aiko, 'messages') = false, 'expected the 101st message of the day to be refused';
  SELECT count INTO v_count FROM public.rate_limits WHERE user_id = aiko AND limit_type = 'messages';
  ASSERT v_count = 100, format('expected a refused check not to count (100), got %s', v_count);

  -- 80% warning, sent once
  SELECT count(*) INTO v_warn FROM public.notifications WHERE user_id = aiko AND type = 'limit_warning';
  UPDATE public.rate_limits SET count = 79 WHERE user_id = aiko AND limit_type = 'messages';
  ASSERT public.check_rate_limit(aiko, 'messages'), 'expected message 80 to be allowed';
  ASSERT public.check_rate_limit(aiko, 'messages'), 'expected message 81 to be allowed';
  ASSERT (SELECT count(*) FROM public.notifications WHERE user_id = aiko AND type = 'limit_warning') = v_warn + 1,
    'expected exactly one new limit_warning notification on reaching 80 of 100';
  ASSERT EXISTS (SELECT 1 FROM public.notifications WHERE user_id = aiko AND type = 'limit_warning'
                   AND (metadata ->> 'used')::int = 80 AND (metadata ->> 'limit')::int = 100),
    'expected the limit warning to record used=80, limit=100';

  -- resets once the window has ended (reset_at in the past)
  UPDATE public.rate_limits SET count = 100, reset_at = now() - interval '1 minute'
   WHERE user_id = aiko AND limit_type = 'messages';
  ASSERT public.check_rate_limit(aiko, 'messages') = true, 'expected a full but expired window to reset and allow';
  SELECT count INTO v_count FROM public.rate_limits WHERE user_id = aiko AND limit_type = 'messages';
  ASSERT v_count = 1, format('expected count 1 after the reset, got %s', v_count);
  ASSERT (SELECT reset_at FROM public.rate_limits WHERE user_id = aiko AND limit_type = 'messages')
         = date_trunc('day', now(), 'UTC') + interval '1 day',
    'expected the new window to reset at the next midnight UTC';

  -- 10 conversations per day on free
  UPDATE public.rate_limits SET count = 9 WHERE user_id = aiko AND limit_type = 'conversations';
  ASSERT public.check_rate_limit(aiko, 'conversations') = true, 'expected the 10th conversation to be allowed';
  ASSERT public.check_rate_limit(aiko, 'conversations') = false, 'expected the 11th conversation to be refused';

  -- pro: stale window resets, limit 1000
  ASSERT public.check_rate_limit(ben, 'messages') = true, 'expected ben (stale window) to be allowed';
  SELECT count INTO v_count FROM public.rate_limits WHERE user_id = ben AND limit_type = 'messages';
  ASSERT v_count = 1, format('expected ben''s stale count 7 to reset to 1, got %s', v_count);
  UPDATE public.rate_limits SET count = 999 WHERE user_id = ben AND limit_type = 'messages';
  ASSERT public.check_rate_limit(ben, 'messages') = true, 'expected ben''s 1000th message to be allowed';
  ASSERT public.check_rate_limit(ben, 'messages') = false, 'expected ben''s 1001st message to be refused';

  -- a canceled subscription falls back to the free limits
  UPDATE public.user_profiles SET subscription_status = 'canceled' WHERE id = ben;
  UPDATE public.rate_limits SET count = 100 WHERE user_id = ben AND limit_type = 'messages';
  ASSERT public.check_rate_limit(ben, 'messages') = false, 'expected canceled pro user at 100 to be refused (free limit)';

  -- enterprise: unlimited; first check creates the row
  UPDATE public.rate_limits SET count = 50000, reset_at = now() + interval '1 hour' WHERE user_id = chen AND limit_type = 'messages';
  ASSERT public.check_rate_limit(chen, 'messages') = true, 'expected enterprise to be unlimited';
  ASSERT NOT EXISTS (SELECT 1 FROM public.rate_limits WHERE user_id = chen AND limit_type = 'conversations'),
    'expected no conversations counter for chen before the first check';
  ASSERT public.check_rate_limit(chen, 'conversations') = true, 'expected chen''s first conversation to be allowed';
  ASSERT (SELECT count FROM public.rate_limits WHERE user_id = chen AND limit_type = 'conversations') = 1,
    'expected a new conversations counter at 1 for chen';

  -- suspended users are refused and not counted
  ASSERT public.check_rate_limit(dana, 'messages') = false, 'expected suspended dana to be refused';
  ASSERT NOT EXISTS (SELECT 1 FROM public.rate_limits WHERE user_id = dana),
    'expected no rate_limits row for a suspended user';

  -- unknown limit type
  v_failed := false;
  BEGIN
    PERFORM public.check_rate_limit(aiko, 'images');
  EXCEPTION WHEN invalid_parameter_value THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected check_rate_limit(..., ''images'') to raise invalid_parameter_value';
END $$;
ROLLBACK TO SAVEPOINT s_rate;

-- check_rate_limit() as API callers
SAVEPOINT s_rate_api;
SET LOCAL request.jwt.claims = '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
SET LOCAL ROLE authenticated;
DO $$
DECLARE
  v_failed boolean := false;
BEGIN
  ASSERT public.check_rate_limit('11111111-1111-4111-8111-111111111111', 'messages') = true,
    'expected aiko to be allowed to check her own limit';
  BEGIN
    PERFORM public.check_rate_limit('22222222-2222-4222-8222-222222222222', 'messages');
  EXCEPTION WHEN insufficient_privilege THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected aiko checking ben''s limit to raise insufficient_privilege';
  ASSERT (SELECT count FROM public.rate_limits WHERE limit_type = 'messages') = 43,
    'expected aiko to see only her own counter, now 43';
END $$;
RESET ROLE;
SET LOCAL request.jwt.claims = '{"role": "anon"}';
SET LOCAL ROLE anon;
DO $$
DECLARE
  v_failed boolean := false;
BEGIN
  BEGIN
    PERFORM public.check_rate_limit('11111111-1111-4111-8111-111111111111', 'messages');
  EXCEPTION WHEN insufficient_privilege THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected anon to have no EXECUTE on check_rate_limit';
  ASSERT NOT public.is_self_or_service('11111111-1111-4111-8111-111111111111'),
    'expected is_self_or_service to be false for anon';
END $$;
RESET ROLE;
SET LOCAL request.jwt.claims = '{"role": "service_role"}';
SET LOCAL ROLE service_role;
DO $$
BEGIN
  ASSERT public.is_self_or_service('22222222-2222-4222-8222-222222222222'),
    'expected is_self_or_service to be true for service_role';
  ASSERT public.check_rate_limit('22222222-2222-4222-8222-222222222222', 'messages') = true,
    'expected service_role to check ben''s limit (allowed)';
  ASSERT (SELECT count FROM public.rate_limits
          WHERE user_id = '22222222-2222-4222-8222-222222222222' AND limit_type = 'messages') = 1,
    'expected service_role to see ben''s reset counter at 1';
  ASSERT (SELECT subscription_tier FROM public.get_user_stats('22222222-2222-4222-8222-222222222222')) = 'pro',
    'expected service_role to read ben''s stats (pro)';
END $$;
RESET ROLE;
ROLLBACK TO SAVEPOINT s_rate_api;

------------------------------------------------------------------------------
-- C. track_event() and update_user_last_seen
------------------------------------------------------------------------------
SAVEPOINT s_track;
UPDATE public.user_profiles SET last_seen_at = now() - interval '1 hour'
 WHERE id = '11111111-1111-4111-8111-111111111111';
UPDATE public.user_profiles SET last_seen_at = now() - interval '30 seconds'
 WHERE id = '22222222-2222-4222-8222-222222222222';
SET LOCAL request.jwt.claims = '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
SET LOCAL ROLE authenticated;
DO $$
DECLARE
  v_id uuid;
  r record;
  v_failed boolean := false;
BEGIN
  v_id := public.track_event('feature_used', '{"feature": "export"}'::jsonb);
  SELECT * INTO r FROM public.analytics_events WHERE id = v_id;
  ASSERT r.user_id = '11111111-1111-4111-8111-111111111111' AND r.event_type = 'feature_used'
         AND r.event_data = '{"feature": "export"}'::jsonb,
    'expected track_event to record feature_used {"feature":"export"} for aiko';

  v_id := public.track_event('login');
  ASSERT (SELECT event_data FROM public.analytics_events WHERE id = v_id) = '{}'::jsonb,
    'expected track_event without data to store {}';

  BEGIN
    PERFORM public.track_event('Bad Event!', '{}'::jsonb);
  EXCEPTION WHEN check_violation THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected an invalid event name to raise check_violation';

  v_failed := false;
  BEGIN
    PERFORM public.track_event('big', jsonb_build_object('blob', repeat('x', 9000)));
  EXCEPTION WHEN invalid_parameter_value THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected an event payload over 8 kB to raise invalid_parameter_value';

  ASSERT (SELECT count(*) FROM public.analytics_events) = 14,
    'expected aiko to read only her own 14 events (12 seeded + 2 tracked)';
END $$;
RESET ROLE;
SET LOCAL request.jwt.claims = '';
DO $$
DECLARE
  v_id uuid;
BEGIN
  ASSERT (SELECT last_seen_at FROM public.user_profiles WHERE id = '11111111-1111-4111-8111-111111111111') = now(),
    'expected update_user_last_seen to set aiko''s last_seen_at to now()';
  -- throttle: a profile seen 30 s ago is not rewritten
  INSERT INTO public.analytics_events (user_id, event_type) VALUES ('22222222-2222-4222-8222-222222222222', 'login');
  ASSERT (SELECT last_seen_at FROM public.user_profiles WHERE id = '22222222-2222-4222-8222-222222222222') = now() - interval '30 seconds',
    'expected last_seen_at of ben (seen 30 s ago) to stay unchanged (1 minute throttle)';
  -- server-side call without a user
  v_id := public.track_event('waitlist_joined', '{"source": "twitter"}'::jsonb);
  ASSERT (SELECT user_id FROM public.analytics_events WHERE id = v_id) IS NULL,
    'expected track_event without JWT to record an anonymous (NULL user) event';
END $$;
SET LOCAL request.jwt.claims = '{"role": "anon"}';
SET LOCAL ROLE anon;
DO $$
DECLARE
  v_failed boolean := false;
BEGIN
  BEGIN
    PERFORM public.track_event('login');
  EXCEPTION WHEN insufficient_privilege THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected anon to have no EXECUTE on track_event';
END $$;
RESET ROLE;
ROLLBACK TO SAVEPOINT s_track;

------------------------------------------------------------------------------
-- D. get_user_stats()
------------------------------------------------------------------------------
SAVEPOINT s_stats;
DO $$
DECLARE
  r record;
BEGIN
  SELECT * INTO r FROM public.get_user_stats('11111111-1111-4111-8111-111111111111');
  ASSERT r.total_conversations = 3 AND r.active_conversations = 2
         AND r.starred_conversations = 1 AND r.archived_conversations = 1,
    format('expected aiko conversations 3 total / 2 active / 1 starred / 1 archived, got %s/%s/%s/%s',
           r.total_conversations, r.active_conversations, r.starred_conversations, r.archived_conversations);
  ASSERT r.total_messages = 10 AND r.messages_today = 1,
    format('expected aiko 10 messages, 1 sent today, got %s / %s', r.total_messages, r.messages_today);
  ASSERT r.total_tokens = 614 AND r.tokens_last_30_days = 423,
    format('expected aiko 614 conversation tokens and 423 logged tokens, got %s / %s', r.total_tokens, r.tokens_last_30_days);
  ASSERT r.subscription_tier = 'free' AND r.daily_message_limit = 100 AND r.messages_remaining_today = 58,
    format('expected aiko free, limit 100, 58 remaining, got %s / %s / %s', r.subscription_tier, r.daily_message_limit, r.messages_remaining_today);
  ASSERT r.unread_notifications = 2, format('expected aiko 2 unread notifications, got %s', r.unread_notifications);
  ASSERT r.member_since = (SELECT created_at FROM auth.users WHERE id = '11111111-1111-4111-8111-111111111111'),
    'expected member_since = aiko''s signup time';
  ASSERT r.last_seen_at IS NOT NULL, 'expected aiko''s last_seen_at in her stats';

  SELECT * INTO r FROM public.get_user_stats('22222222-2222-4222-8222-222222222222');
  ASSERT r.total_conversations = 1 AND r.total_messages = 4 AND r.total_tokens = 256,
    format('expected ben 1 live conversation, 4 messages, 256 tokens (deleted one excluded), got %s/%s/%s',
           r.total_conversations, r.total_messages, r.total_tokens);
  ASSERT r.subscription_tier = 'pro' AND r.daily_message_limit = 1000 AND r.messages_remaining_today = 1000,
    format('expected ben pro with 1000 of 1000 remaining (stale window), got %s %s %s',
           r.subscription_tier, r.daily_message_limit, r.messages_remaining_today);
  ASSERT r.unread_notifications = 1 AND r.tokens_last_30_days = 256,
    format('expected ben 1 unread notification and 256 logged tokens, got %s / %s', r.unread_notifications, r.tokens_last_30_days);

  SELECT * INTO r FROM public.get_user_stats('33333333-3333-4333-8333-333333333333');
  ASSERT r.subscription_tier = 'enterprise' AND r.daily_message_limit IS NULL AND r.messages_remaining_today IS NULL,
    'expected chen enterprise with unlimited (NULL) messages';

  ASSERT NOT EXISTS (SELECT 1 FROM public.get_user_stats('99999999-9999-4999-8999-999999999999')),
    'expected no stats row for an unknown user';
END $$;
SET LOCAL request.jwt.claims = '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
SET LOCAL ROLE authenticated;
DO $$
DECLARE
  v_failed boolean := false;
BEGIN
  ASSERT (SELECT total_conversations FROM public.get_user_stats((select auth.uid()))) = 3,
    'expected aiko to read her own stats (3 conversations) via get_user_stats(auth.uid())';
  BEGIN
    PERFORM * FROM public.get_user_stats('22222222-2222-4222-8222-222222222222');
  EXCEPTION WHEN insufficient_privilege THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected aiko reading ben''s stats to raise insufficient_privilege';
END $$;
RESET ROLE;
ROLLBACK TO SAVEPOINT s_stats;

------------------------------------------------------------------------------
-- E. search_messages() and get_conversations_with_last_message()
------------------------------------------------------------------------------
SAVEPOINT s_search;
DO $$
BEGIN
  ASSERT (SELECT count(*) FROM public.search_messages('kyoto')) = 0,
    'expected search_messages without a signed-in user to return nothing';
  ASSERT (SELECT count(*) FROM public.get_conversations_with_last_message()) = 0,
    'expected the conversation list without a signed-in user to be empty';
END $$;
SET LOCAL request.jwt.claims = '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
SET LOCAL ROLE authenticated;
DO $$
DECLARE
  ids uuid[];
  r record;
BEGIN
  SELECT array_agg(message_id ORDER BY message_id) INTO ids FROM public.search_messages('kyoto');
  ASSERT ids = ARRAY['b0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002']::uuid[],
    format('expected "kyoto" to find m01 and m02 only (deleted m17 excluded), got %s', ids);

  ASSERT (SELECT count(*) FROM public.search_messages('borrow')) = 4,
    'expected "borrow" to match 4 of aiko''s messages (borrow, borrows, borrowed)';
  ASSERT (SELECT bool_and(conversation_id = 'c0000000-0000-4000-8000-000000000002'
                          AND conversation_title = 'Debugging a Rust borrow error'
                          AND snippet LIKE '%<mark>%')
          FROM public.search_messages('borrow')),
    'expected every "borrow" hit in the Rust conversation with a highlighted snippet';
  ASSERT (SELECT count(*) FROM public.search_messages('borrow', 2)) = 2, 'expected match_limit 2 to return 2 rows';
  ASSERT (SELECT count(*) FROM public.search_messages('borrow', 3, 3)) = 1, 'expected offset 3 of 4 hits to return 1 row';
  ASSERT (SELECT count(*) FROM public.search_messages('"split_at_mut returns"')) = 1,
    'expected the phrase "split_at_mut returns" to match exactly m08';
  ASSERT (SELECT count(*) FROM public.search_messages('kubernetes')) = 0,
    'expected aiko not to find chen''s Kubernetes messages';

  SELECT * INTO r FROM public.get_conversations_with_last_message() LIMIT 1;
  ASSERT r.id = 'c0000000-0000-4000-8000-000000000002' AND r.last_message_role = 'assistant'
         AND r.last_message_content LIKE 'Yes: split_at_mut%' AND r.message_count = 4 AND r.is_starred,
    'expected the Rust conversation first, with its newest assistant message "Yes: split_at_mut..."';
  ASSERT (SELECT array_agg(id) FROM public.get_conversations_with_last_message())
         = ARRAY['c0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000001']::uuid[],
    'expected aiko''s list = Rust then Kyoto (archived hidden)';
  ASSERT (SELECT last_message_content FROM public.get_conversations_with_last_message()
          WHERE id = 'c0000000-0000-4000-8000-000000000001') LIKE 'Plan three to four days%',
    'expected the Kyoto preview to be m04, not the deleted draft m17';
  ASSERT (SELECT count(*) FROM public.get_conversations_with_last_message(50, 0, true)) = 3,
    'expected 3 conversations when archived ones are included';
  ASSERT (SELECT count(*) FROM public.get_conversations_with_last_message(1)) = 1, 'expected p_limit 1 to return 1 row';
END $$;
RESET ROLE;
SET LOCAL request.jwt.claims = '{"sub": "22222222-2222-4222-8222-222222222222", "role": "authenticated"}';
SET LOCAL ROLE authenticated;
DO $$
BEGIN
  ASSERT (SELECT count(*) FROM public.search_messages('kyoto')) = 0,
    'expected ben''s "kyoto" message in his deleted conversation to be excluded';
  ASSERT (SELECT array_agg(id) FROM public.get_conversations_with_last_message())
         = ARRAY['c0000000-0000-4000-8000-000000000004']::uuid[],
    'expected ben''s list to hold only the quarterly report (Scratch is soft-deleted)';
END $$;
RESET ROLE;
ROLLBACK TO SAVEPOINT s_search;

------------------------------------------------------------------------------
-- F. Triggers on new activity
------------------------------------------------------------------------------
SAVEPOINT s_triggers;
UPDATE public.user_profiles SET last_seen_at = now() - interval '1 hour'
 WHERE id = '11111111-1111-4111-8111-111111111111';
SET LOCAL request.jwt.claims = '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
SET LOCAL ROLE authenticated;
INSERT INTO public.chat_messages (id, conversation_id, user_id, role, content, token_count)
VALUES ('b0000000-0000-4000-8000-000000000099', 'c0000000-0000-4000-8000-000000000001',
        '11111111-1111-4111-8111-111111111111', 'user', 'Any night markets near Kyoto station?', 11);
INSERT INTO public.conversations (id, user_id, title)
VALUES ('c0000000-0000-4000-8000-000000000099', '11111111-1111-4111-8111-111111111111', 'Fresh chat');
RESET ROLE;
DO $$
DECLARE
  r record;
  v bigint;
BEGIN
  -- update_conversation_stats on insert
  SELECT * INTO r FROM public.conversations WHERE id = 'c0000000-0000-4000-8000-000000000001';
  ASSERT r.message_count = 5 AND r.total_tokens = 247 AND r.last_message_at = now(),
    format('expected Kyoto 5 messages / 247 tokens / last now() after a new message, got %s / %s / %s',
           r.message_count, r.total_tokens, r.last_message_at);
  -- increment_user_message_counts
  SELECT * INTO r FROM public.user_profiles WHERE id = '11111111-1111-4111-8111-111111111111';
  ASSERT r.total_message_count = 7 AND r.daily_message_count = 2,
    format('expected aiko totals 7 / today 2 after sending, got %s / %s', r.total_message_count, r.daily_message_count);
  -- update_user_last_seen (via the message_sent event)
  ASSERT r.last_seen_at = now(), 'expected aiko''s last_seen_at = now() after sending a message';
  -- track_message_sent
  ASSERT EXISTS (SELECT 1 FROM public.analytics_events WHERE event_type = 'message_sent'
                   AND event_data ->> 'message_id' = 'b0000000-0000-4000-8000-000000000099'
                   AND user_id = '11111111-1111-4111-8111-111111111111'),
    'expected a message_sent event for the new message';
  -- track_new_conversation
  ASSERT EXISTS (SELECT 1 FROM public.analytics_events WHERE event_type = 'conversation_created'
                   AND event_data ->> 'conversation_id' = 'c0000000-0000-4000-8000-000000000099'
                   AND event_data ->> 'model' = 'gpt-4'),
    'expected a conversation_created event for the new conversation (default model gpt-4)';

  -- update_conversation_stats on soft delete and hard delete
  UPDATE public.chat_messages SET deleted_at = now() WHERE id = 'b0000000-0000-4000-8000-000000000099';
  SELECT * INTO r FROM public.conversations WHERE id = 'c0000000-0000-4000-8000-000000000001';
  ASSERT r.message_count = 4 AND r.total_tokens = 236
         AND r.last_message_at = (SELECT created_at FROM public.chat_messages WHERE id = 'b0000000-0000-4000-8000-000000000004'),
    'expected Kyoto back to 4 / 236 / m04 after soft-deleting the new message';
  DELETE FROM public.chat_messages WHERE id = 'b0000000-0000-4000-8000-000000000002';
  SELECT * INTO r FROM public.conversations WHERE id = 'c0000000-0000-4000-8000-000000000001';
  ASSERT r.message_count = 3 AND r.total_tokens = 116,
    format('expected Kyoto 3 / 116 after deleting m02, got %s / %s', r.message_count, r.total_tokens);

  -- set_updated_at
  UPDATE public.conversations SET updated_at = now() - interval '1 day' WHERE id = 'c0000000-0000-4000-8000-000000000002';
  ASSERT (SELECT updated_at FROM public.conversations WHERE id = 'c0000000-0000-4000-8000-000000000002') = now(),
    'expected set_updated_at to overwrite updated_at with now()';
  UPDATE public.conversations SET title = 'Borrow checker help' WHERE id = 'c0000000-0000-4000-8000-000000000003';
  ASSERT (SELECT updated_at FROM public.conversations WHERE id = 'c0000000-0000-4000-8000-000000000003') = now(),
    'expected a title change to stamp updated_at = now()';

  -- stamp_notification_read_at
  UPDATE public.notifications SET is_read = true
   WHERE user_id = '11111111-1111-4111-8111-111111111111' AND metadata ->> 'kind' = 'welcome';
  ASSERT (SELECT read_at FROM public.notifications
          WHERE user_id = '11111111-1111-4111-8111-111111111111' AND metadata ->> 'kind' = 'welcome') = now(),
    'expected marking a notification read to stamp read_at = now()';
  UPDATE public.notifications SET is_read = false
   WHERE user_id = '11111111-1111-4111-8111-111111111111' AND metadata ->> 'kind' = 'welcome';
  ASSERT (SELECT read_at FROM public.notifications
          WHERE user_id = '11111111-1111-4111-8111-111111111111' AND metadata ->> 'kind' = 'welcome') IS NULL,
    'expected marking a notification unread to clear read_at';

  -- log_subscription_change
  UPDATE public.user_profiles SET subscription_tier = 'pro' WHERE id = '11111111-1111-4111-8111-111111111111';
  UPDATE public.user_profiles SET subscription_status = 'past_due' WHERE id = '11111111-1111-4111-8111-111111111111';
  UPDATE public.user_profiles SET subscription_status = 'active' WHERE id = '11111111-1111-4111-8111-111111111111';
  UPDATE public.user_profiles SET subscription_status = 'canceled' WHERE id = '11111111-1111-4111-8111-111111111111';
  UPDATE public.user_profiles SET subscription_tier = 'free', subscription_status = 'active' WHERE id = '11111111-1111-4111-8111-111111111111';
  UPDATE public.user_profiles SET full_name = 'Aiko T.' WHERE id = '11111111-1111-4111-8111-111111111111';
  SELECT string_agg(event_type, ',' ORDER BY ctid) INTO r
    FROM public.subscription_history WHERE user_id = '11111111-1111-4111-8111-111111111111';
  ASSERT r.string_agg = 'upgraded,past_due,reactivated,canceled,downgraded',
    format('expected history upgraded,past_due,reactivated,canceled,downgraded, got %s', r.string_agg);

  -- a new sign-up: handle_new_user, welcome_new_user, track_signup, convert_waitlist_signup
  INSERT INTO auth.users (id, email, raw_user_meta_data)
  VALUES ('55555555-5555-4555-8555-555555555555', 'Erin@Example.org', '{"full_name": "Erin Walsh"}');
  ASSERT (SELECT full_name FROM public.user_profiles WHERE id = '55555555-5555-4555-8555-555555555555') = 'Erin Walsh',
    'expected a profile for the new user with full_name Erin Walsh';
  ASSERT (SELECT subscription_tier FROM public.user_profiles WHERE id = '55555555-5555-4555-8555-555555555555') = 'free',
    'expected new users on the free tier';
  SELECT count(*) INTO v FROM public.notifications
   WHERE user_id = '55555555-5555-4555-8555-555555555555' AND title = 'Welcome to MIRAI' AND message LIKE 'Hi Erin Walsh!%';
  ASSERT v = 1, format('expected 1 welcome notification for the new user, got %s', v);
  SELECT count(*) INTO v FROM public.analytics_events
   WHERE user_id = '55555555-5555-4555-8555-555555555555' AND event_type = 'signup';
  ASSERT v = 1, format('expected 1 signup event for the new user, got %s', v);
  SELECT * INTO r FROM public.waitlist WHERE id = '0a000000-0000-4000-8000-000000000002';
  ASSERT r.converted_user_id = '55555555-5555-4555-8555-555555555555' AND r.converted_at = now(),
    'expected erin''s waitlist entry (email matched case-insensitively) converted now';
  ASSERT (SELECT converted_at FROM public.waitlist WHERE id = '0a000000-0000-4000-8000-000000000003') IS NULL,
    'expected farid''s waitlist entry to stay pending';
END $$;
ROLLBACK TO SAVEPOINT s_triggers;

------------------------------------------------------------------------------
-- G. Views: active_users_summary, feature_usage
------------------------------------------------------------------------------
SAVEPOINT s_views;
DO $$
DECLARE
  r record;
BEGIN
  SELECT * INTO r FROM public.active_users_summary;
  ASSERT r.daily_active_users = 4 AND r.weekly_active_users = 4 AND r.monthly_active_users = 4 AND r.total_users = 4,
    format('expected 4/4/4 active of 4 users right after seeding, got %s/%s/%s of %s',
           r.daily_active_users, r.weekly_active_users, r.monthly_active_users, r.total_users);

  -- keep only the seeded explicit events: aiko 2 h and 5 d ago, ben 1.5 d, 3 d (and 30.5 d), chen 10 d and 29.5 d, dana 7.5 d (and 45 d)
  DELETE FROM public.analytics_events WHERE event_type IN ('signup', 'conversation_created', 'message_sent');
  SELECT * INTO r FROM public.active_users_summary;
  ASSERT r.daily_active_users = 1 AND r.weekly_active_users = 2 AND r.monthly_active_users = 4 AND r.total_users = 4,
    format('expected DAU 1, WAU 2, MAU 4 of 4 users, got %s/%s/%s of %s',
           r.daily_active_users, r.weekly_active_users, r.monthly_active_users, r.total_users);

  SELECT * INTO r FROM public.feature_usage
   WHERE usage_date = (now() AT TIME ZONE 'UTC')::date AND model = 'gpt-4o';
  ASSERT r.user_messages = 2 AND r.assistant_messages = 2 AND r.conversations = 2
         AND r.active_users = 2 AND r.total_tokens = 227,
    format('expected today/gpt-4o: 2 user + 2 assistant messages, 2 conversations, 2 users, 227 tokens, got %s', r);
  SELECT sum(user_messages) AS um, sum(total_tokens) AS tt INTO r FROM public.feature_usage WHERE model = 'gpt-4o-mini';
  ASSERT r.um = 4 AND r.tt = 355,
    format('expected gpt-4o-mini over 30 days: 4 user messages, 355 tokens (deleted draft excluded), got %s / %s', r.um, r.tt);
END $$;
ROLLBACK TO SAVEPOINT s_views;

SAVEPOINT s_views_api;
SET LOCAL request.jwt.claims = '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
SET LOCAL ROLE authenticated;
DO $$
DECLARE
  v_failed boolean := false;
BEGIN
  BEGIN
    PERFORM * FROM public.active_users_summary;
  EXCEPTION WHEN insufficient_privilege THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected authenticated users to have no access to active_users_summary';
  v_failed := false;
  BEGIN
    PERFORM * FROM public.feature_usage;
  EXCEPTION WHEN insufficient_privilege THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected authenticated users to have no access to feature_usage';
END $$;
RESET ROLE;
ROLLBACK TO SAVEPOINT s_views_api;

------------------------------------------------------------------------------
-- H. Moderation: is_user_suspended(), record_violation()
------------------------------------------------------------------------------
SAVEPOINT s_moderation;
DO $$
DECLARE
  v public.user_violations;
BEGIN
  ASSERT public.is_user_suspended('44444444-4444-4444-8444-444444444444'), 'expected dana suspended (7-day suspension)';
  ASSERT NOT public.is_user_suspended('33333333-3333-4333-8333-333333333333'), 'expected chen''s ended suspension to no longer apply';
  ASSERT NOT public.is_user_suspended('11111111-1111-4111-8111-111111111111'), 'expected aiko not suspended';

  -- ladder: 1st warning, 2nd 24 h, 3rd 7 days, 4th ban
  v := public.record_violation('11111111-1111-4111-8111-111111111111', 'spam');
  ASSERT v.action = 'warning' AND v.suspended_until IS NULL, format('expected a first violation to be a warning, got %s', v.action);
  ASSERT NOT public.is_user_suspended('11111111-1111-4111-8111-111111111111'), 'expected a warning not to suspend';
  v := public.record_violation('11111111-1111-4111-8111-111111111111', 'spam');
  ASSERT v.action = 'suspension' AND v.suspended_until = now() + interval '24 hours',
    format('expected a second violation to suspend 24 h, got %s until %s', v.action, v.suspended_until);
  ASSERT public.is_user_suspended('11111111-1111-4111-8111-111111111111'), 'expected aiko suspended after the second violation';
  ASSERT public.check_rate_limit('11111111-1111-4111-8111-111111111111', 'messages') = false,
    'expected check_rate_limit to refuse a suspended user';

  -- dana has 2 violations in 90 days: the next is a 7-day suspension and stamps the log
  v := public.record_violation('44444444-4444-4444-8444-444444444444', 'harassment', 'medium', 'e0000000-0000-4000-8000-000000000002');
  ASSERT v.action = 'suspension' AND v.suspended_until = now() + interval '7 days',
    format('expected dana''s third violation to suspend 7 days, got %s until %s', v.action, v.suspended_until);
  ASSERT (SELECT action_taken FROM public.moderation_logs WHERE id = 'e0000000-0000-4000-8000-000000000002') = 'suspended',
    'expected record_violation to set the moderation log''s action_taken to suspended';
  v := public.record_violation('44444444-4444-4444-8444-444444444444', 'harassment');
  ASSERT v.action = 'ban', format('expected dana''s fourth violation to be a ban, got %s', v.action);

  -- severity: high skips the warning, critical bans at once
  v := public.record_violation('33333333-3333-4333-8333-333333333333', 'spam', 'low');
  ASSERT v.action = 'suspension' AND v.suspended_until = now() + interval '24 hours',
    format('expected chen (1 prior) to get a 24 h suspension, got %s', v.action);
  v := public.record_violation('22222222-2222-4222-8222-222222222222', 'violence', 'critical');
  ASSERT v.action = 'ban', format('expected a critical first violation to ban, got %s', v.action);
  ASSERT public.is_user_suspended('22222222-2222-4222-8222-222222222222'), 'expected a banned user to count as suspended';
END $$;
ROLLBACK TO SAVEPOINT s_moderation;

SAVEPOINT s_moderation_api;
SET LOCAL request.jwt.claims = '{"sub": "44444444-4444-4444-8444-444444444444", "role": "authenticated"}';
SET LOCAL ROLE authenticated;
DO $$
DECLARE
  v_failed boolean := false;
BEGIN
  ASSERT public.is_user_suspended('44444444-4444-4444-8444-444444444444'), 'expected dana to see her own suspension';
  ASSERT (SELECT count(*) FROM public.user_violations) = 2, 'expected dana to read her own 2 violations';
  ASSERT (SELECT count(*) FROM public.moderation_logs) = 0, 'expected moderation_logs hidden from users';
  BEGIN
    PERFORM public.record_violation('44444444-4444-4444-8444-444444444444', 'spam');
  EXCEPTION WHEN insufficient_privilege THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected authenticated users to have no EXECUTE on record_violation';
END $$;
RESET ROLE;
ROLLBACK TO SAVEPOINT s_moderation_api;

------------------------------------------------------------------------------
-- I. refresh_usage_daily_aggregates()
------------------------------------------------------------------------------
SAVEPOINT s_aggregates;
DO $$
DECLARE
  v integer;
  r record;
  y constant date := (now() AT TIME ZONE 'UTC')::date - 1;
BEGIN
  v := public.refresh_usage_daily_aggregates(y);
  ASSERT v = 3, format('expected 3 aggregate rows for yesterday (aiko gpt-4o, aiko gpt-4o-mini, ben gpt-4o), got %s', v);
  SELECT * INTO r FROM public.usage_daily_aggregates
   WHERE user_id = '11111111-1111-4111-8111-111111111111' AND usage_date = y AND model = 'gpt-4o';
  ASSERT r.message_count = 2 AND r.total_tokens = 289 AND r.prompt_tokens = 29 AND r.avg_response_time_ms = 1050,
    format('expected the stale aiko/gpt-4o row corrected to 2 calls, 289 tokens, 29 prompt, 1050 ms, got %s', r);
  ASSERT (SELECT total_tokens FROM public.usage_daily_aggregates
          WHERE user_id = '22222222-2222-4222-8222-222222222222' AND usage_date = y) = 152,
    'expected ben''s yesterday aggregate of 152 tokens';
  ASSERT (SELECT count(*) FROM public.usage_daily_aggregates) = 4, 'expected 4 aggregate rows (2 seeded + 2 new)';
  v := public.refresh_usage_daily_aggregates(y);
  ASSERT v = 3 AND (SELECT count(*) FROM public.usage_daily_aggregates) = 4,
    'expected a re-run to rewrite the same 3 rows and add none';
  ASSERT public.refresh_usage_daily_aggregates(y - 30) = 0, 'expected 0 rows for a day without usage';
END $$;
ROLLBACK TO SAVEPOINT s_aggregates;

------------------------------------------------------------------------------
-- J. daily_cleanup()
------------------------------------------------------------------------------
SAVEPOINT s_cleanup;
DO $$
DECLARE
  res jsonb;
BEGIN
  UPDATE public.user_profiles SET daily_message_count = 50 WHERE id = '11111111-1111-4111-8111-111111111111';
  res := public.daily_cleanup();
  ASSERT res = '{"analytics_events_deleted": 4, "notifications_deleted": 2, "suspensions_expired": 1,
                 "usage_aggregates_refreshed": 3, "rate_limits_deleted": 1, "daily_counts_reset": 1}'::jsonb,
    format('expected cleanup 4 events, 2 notifications, 1 suspension, 3 aggregates, 1 rate limit, 1 daily count; got %s', res);

  ASSERT (SELECT count(*) FROM public.analytics_events) = 29, 'expected 29 analytics events left (33 - 4 older than 30 days)';
  ASSERT NOT EXISTS (SELECT 1 FROM public.analytics_events WHERE created_at < now() - interval '30 days'),
    'expected no analytics event older than 30 days';
  ASSERT (SELECT count(*) FROM public.analytics_events
          WHERE id IN ('ae000000-0000-4000-8000-000000000001', 'ae000000-0000-4000-8000-000000000002',
                       'ae000000-0000-4000-8000-000000000003', 'ae000000-0000-4000-8000-000000000004',
                       'ae000000-0000-4000-8000-000000000009')) = 5,
    'expected the 5 seeded events within 30 days (one 29.5 days old) to be kept';
  ASSERT NOT EXISTS (SELECT 1 FROM public.analytics_events WHERE id = 'ae000000-0000-4000-8000-000000000008'),
    'expected the event 30.5 days old to be deleted';

  ASSERT (SELECT count(*) FROM public.notifications) = 7, 'expected 7 notifications left (9 - 2 read over 7 days ago)';
  ASSERT NOT EXISTS (SELECT 1 FROM public.notifications
                     WHERE id IN ('0b000000-0000-4000-8000-000000000001', '0b000000-0000-4000-8000-000000000004')),
    'expected the notifications read 10 and 7.5 days ago deleted';
  ASSERT (SELECT count(*) FROM public.notifications
          WHERE id IN ('0b000000-0000-4000-8000-000000000002', '0b000000-0000-4000-8000-000000000003',
                       '0b000000-0000-4000-8000-000000000005')) = 3,
    'expected the notifications read 2 and 6.5 days ago and the old unread one kept';

  ASSERT (SELECT NOT is_active AND resolved_at = now() FROM public.user_violations
          WHERE id = 'f0000000-0000-4000-8000-000000000003'),
    'expected chen''s ended suspension closed (inactive, resolved now)';
  ASSERT (SELECT is_active FROM public.user_violations WHERE id = 'f0000000-0000-4000-8000-000000000002'),
    'expected dana''s running suspension to stay active';

  ASSERT NOT EXISTS (SELECT 1 FROM public.rate_limits WHERE id = '3a000000-0000-4000-8000-000000000003'),
    'expected ben''s stale rate-limit window deleted';
  ASSERT (SELECT count(*) FROM public.rate_limits) = 3, 'expected 3 rate-limit rows kept';

  ASSERT (SELECT daily_message_count FROM public.user_profiles WHERE id = '11111111-1111-4111-8111-111111111111') = 1,
    'expected aiko''s daily_message_count re-based on today''s 1 message';

  res := public.daily_cleanup();
  ASSERT res = '{"analytics_events_deleted": 0, "notifications_deleted": 0, "suspensions_expired": 0,
                 "usage_aggregates_refreshed": 3, "rate_limits_deleted": 0, "daily_counts_reset": 0}'::jsonb,
    format('expected a second cleanup to delete nothing (aggregates re-upserted: 3), got %s', res);
END $$;
ROLLBACK TO SAVEPOINT s_cleanup;

SAVEPOINT s_cleanup_api;
SET LOCAL request.jwt.claims = '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
SET LOCAL ROLE authenticated;
DO $$
DECLARE
  v_failed boolean := false;
BEGIN
  BEGIN
    PERFORM public.daily_cleanup();
  EXCEPTION WHEN insufficient_privilege THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected authenticated users to have no EXECUTE on daily_cleanup';
  v_failed := false;
  BEGIN
    PERFORM public.refresh_usage_daily_aggregates();
  EXCEPTION WHEN insufficient_privilege THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected authenticated users to have no EXECUTE on refresh_usage_daily_aggregates';
END $$;
RESET ROLE;
ROLLBACK TO SAVEPOINT s_cleanup_api;

------------------------------------------------------------------------------
-- K. Row level security as aiko, ben and anon
------------------------------------------------------------------------------
SAVEPOINT s_rls;
SET LOCAL request.jwt.claims = '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
SET LOCAL ROLE authenticated;
DO $$
DECLARE
  n bigint;
  v_failed boolean;
BEGIN
  ASSERT (SELECT count(*) FROM public.user_profiles) = 1, 'expected aiko to see only her profile';
  ASSERT (SELECT count(*) FROM public.conversations) = 3, 'expected aiko to see her 3 conversations';
  ASSERT (SELECT count(*) FROM public.chat_messages) = 11, 'expected aiko to see her 11 messages (incl. her deleted draft)';
  ASSERT (SELECT count(*) FROM public.message_attachments) = 1, 'expected aiko to see her 1 attachment';
  ASSERT (SELECT count(*) FROM public.analytics_events) = 12, 'expected aiko to see only her 12 analytics events';
  ASSERT (SELECT count(*) FROM public.notifications) = 3, 'expected aiko to see her 3 notifications';
  ASSERT (SELECT count(*) FROM public.rate_limits) = 2, 'expected aiko to see her 2 rate-limit counters';
  ASSERT (SELECT count(*) FROM public.usage_logs) = 3, 'expected aiko to see her 3 usage logs';
  ASSERT (SELECT count(*) FROM public.usage_daily_aggregates) = 1, 'expected aiko to see her 1 daily aggregate';
  ASSERT (SELECT count(*) FROM public.payment_history) = 0, 'expected aiko (free) to see no payments';
  ASSERT (SELECT count(*) FROM public.subscription_history) = 0, 'expected aiko to see no subscription history';
  ASSERT (SELECT count(*) FROM public.user_feedback) = 1, 'expected aiko to see her 1 feedback entry';
  ASSERT (SELECT count(*) FROM public.moderation_logs) = 0, 'expected moderation logs hidden from aiko';
  ASSERT (SELECT count(*) FROM public.user_violations) = 0, 'expected aiko to have no visible violations';
  ASSERT (SELECT count(*) FROM public.waitlist) = 0, 'expected the waitlist unreadable by users';
  ASSERT (SELECT count(*) FROM public.tier_limits) = 6, 'expected the 6 tier limits readable';

  -- full CRUD on own conversations only
  UPDATE public.conversations SET is_starred = true WHERE id = 'c0000000-0000-4000-8000-000000000004';
  GET DIAGNOSTICS n = ROW_COUNT;
  ASSERT n = 0, 'expected aiko''s update of ben''s conversation to touch 0 rows';
  UPDATE public.conversations SET is_starred = true WHERE id = 'c0000000-0000-4000-8000-000000000001';
  GET DIAGNOSTICS n = ROW_COUNT;
  ASSERT n = 1, 'expected aiko to star her own conversation';
  DELETE FROM public.conversations WHERE id = 'c0000000-0000-4000-8000-000000000006';
  GET DIAGNOSTICS n = ROW_COUNT;
  ASSERT n = 0, 'expected aiko''s delete of chen''s conversation to touch 0 rows';

  v_failed := false;
  BEGIN
    INSERT INTO public.conversations (user_id, title) VALUES ('22222222-2222-4222-8222-222222222222', 'Not mine');
  EXCEPTION WHEN insufficient_privilege THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected creating a conversation for ben to violate RLS';

  v_failed := false;
  BEGIN
    INSERT INTO public.chat_messages (conversation_id, user_id, role, content)
    VALUES ('c0000000-0000-4000-8000-000000000004', '11111111-1111-4111-8111-111111111111', 'user', 'hi');
  EXCEPTION WHEN insufficient_privilege THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected posting into ben''s conversation to violate RLS';

  -- profile: personal columns only
  UPDATE public.user_profiles SET full_name = 'Aiko T.', settings = '{"theme": "light"}'
   WHERE id = '11111111-1111-4111-8111-111111111111';
  GET DIAGNOSTICS n = ROW_COUNT;
  ASSERT n = 1, 'expected aiko to update her own name and settings';
  v_failed := false;
  BEGIN
    UPDATE public.user_profiles SET subscription_tier = 'enterprise' WHERE id = '11111111-1111-4111-8111-111111111111';
  EXCEPTION WHEN insufficient_privilege THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected aiko to be denied changing her own subscription_tier';

  -- notifications: full control over own
  UPDATE public.notifications SET is_read = true WHERE id = '0b000000-0000-4000-8000-000000000003';
  GET DIAGNOSTICS n = ROW_COUNT;
  ASSERT n = 1, 'expected aiko to mark her notification read';
  DELETE FROM public.notifications WHERE id = '0b000000-0000-4000-8000-000000000002';
  GET DIAGNOSTICS n = ROW_COUNT;
  ASSERT n = 0, 'expected aiko''s delete of ben''s notification to touch 0 rows';
  DELETE FROM public.notifications WHERE id = '0b000000-0000-4000-8000-000000000001';
  GET DIAGNOSTICS n = ROW_COUNT;
  ASSERT n = 1, 'expected aiko to delete her own notification';

  -- analytics are read-only
  v_failed := false;
  BEGIN
    INSERT INTO public.analytics_events (user_id, event_type) VALUES ('11111111-1111-4111-8111-111111111111', 'login');
  EXCEPTION WHEN insufficient_privilege THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected direct inserts into analytics_events to violate RLS';

  -- feedback: own, about own conversations
  INSERT INTO public.user_feedback (user_id, feedback_type, rating, message, conversation_id)
  VALUES ('11111111-1111-4111-8111-111111111111', 'general', 5, 'Love it', 'c0000000-0000-4000-8000-000000000001');
  v_failed := false;
  BEGIN
    INSERT INTO public.user_feedback (user_id, feedback_type, rating, message, conversation_id)
    VALUES ('11111111-1111-4111-8111-111111111111', 'bug', 1, 'About ben''s chat', 'c0000000-0000-4000-8000-000000000004');
  EXCEPTION WHEN insufficient_privilege THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected feedback linked to another user''s conversation to violate RLS';
END $$;
RESET ROLE;
SET LOCAL request.jwt.claims = '{"role": "anon"}';
SET LOCAL ROLE anon;
DO $$
DECLARE
  v_failed boolean := false;
BEGIN
  INSERT INTO public.waitlist (email, referral_source, interests) VALUES ('gina@example.com', 'twitter', ARRAY['teams']);
  ASSERT (SELECT count(*) FROM public.waitlist) = 0, 'expected anon to join the waitlist but not read it';
  BEGIN
    INSERT INTO public.waitlist (email, converted_at) VALUES ('hank@example.com', now());
  EXCEPTION WHEN insufficient_privilege THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected anon to be unable to insert an already converted waitlist row';
  ASSERT (SELECT count(*) FROM public.conversations) = 0, 'expected anon to see no conversations';
  ASSERT (SELECT count(*) FROM public.tier_limits) = 6, 'expected anon to read the 6 tier limits (pricing page)';
  v_failed := false;
  BEGIN
    PERFORM count(*) FROM public.user_profiles;
  EXCEPTION WHEN insufficient_privilege THEN v_failed := true;
  END;
  ASSERT v_failed, 'expected anon to have no privilege on user_profiles';
END $$;
RESET ROLE;
DO $$
BEGIN
  ASSERT (SELECT count(*) FROM public.waitlist WHERE email = 'gina@example.com' AND converted_at IS NULL) = 1,
    'expected gina''s anonymous waitlist sign-up stored';
  ASSERT (SELECT count(*) FROM public.user_feedback WHERE message = 'Love it') = 1,
    'expected aiko''s feedback stored';
END $$;
ROLLBACK TO SAVEPOINT s_rls;
