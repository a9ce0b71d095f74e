-- Checks for examples/dalsiai: run after every migration and the fixtures,
-- inside a transaction that is rolled back. Each block asserts concrete values
-- from the fixture data; every message says what was expected.

-- ---------------------------------------------------------------- users
DO $$
DECLARE r record;
BEGIN
  -- handle_auth_user_change (INSERT): the fixtures' auth.users rows got profiles.
  ASSERT (SELECT count(*) FROM public.users) = 6, 'expected 6 public.users rows created from auth.users';
  SELECT * INTO r FROM public.users WHERE id = 'c0000000-0000-4000-8000-000000000001';
  ASSERT r.email = 'alice@example.com' AND r.full_name = 'Alice Demo' AND NOT r.is_guest
         AND r.created_at = '2025-01-06 10:00:00+00',
    'expected Alice profile copied from auth.users (email, full_name, not guest, created_at 2025-01-06 10:00)';
  ASSERT (SELECT is_guest AND email IS NULL FROM public.users WHERE id = 'c0000000-0000-4000-8000-000000000004'),
    'expected the anonymous auth user to be a guest without email';

  -- handle_auth_user_change (UPDATE): the guest upgrades to a real account.
  UPDATE auth.users SET email = 'guest.upgraded@example.com', is_anonymous = false
   WHERE id = 'c0000000-0000-4000-8000-000000000004';
  SELECT * INTO r FROM public.users WHERE id = 'c0000000-0000-4000-8000-000000000004';
  ASSERT r.email = 'guest.upgraded@example.com' AND NOT r.is_guest,
    'expected upgraded guest to get email guest.upgraded@example.com and is_guest = false';
  -- set_updated_at fired on that update.
  ASSERT r.updated_at = now(), 'expected users.updated_at set to now() by set_updated_at';

  -- A brand-new sign-up gets a profile.
  INSERT INTO auth.users (id, email, raw_user_meta_data, created_at)
  VALUES ('c0000000-0000-4000-8000-0000000000aa', 'new.user@example.com', '{"full_name": "New User"}', now());
  ASSERT (SELECT full_name FROM public.users WHERE id = 'c0000000-0000-4000-8000-0000000000aa') = 'New User',
    'expected new auth user to get a public.users row with full_name New User';
END $$;

-- ---------------------------------------------------------------- admins
DO $$
DECLARE ok boolean := false;
BEGIN
  PERFORM public.record_admin_login('ad000000-0000-4000-8000-000000000002', '192.0.2.200');
  ASSERT (SELECT last_login = now() AND last_login_ip = '192.0.2.200'::inet
            FROM public.a_users WHERE id = 'ad000000-0000-4000-8000-000000000002'),
    'expected record_admin_login to set last_login = now() and last_login_ip 192.0.2.200';
  BEGIN
    PERFORM public.record_admin_login('ad000000-0000-4000-8000-000000000003', '192.0.2.201');
  EXCEPTION WHEN insufficient_privilege THEN ok := true;
  END;
  ASSERT ok, 'expected record_admin_login to refuse the deactivated admin former.admin';
  ASSERT (SELECT last_login IS NULL FROM public.a_users WHERE id = 'ad000000-0000-4000-8000-000000000003'),
    'expected deactivated admin last_login to stay NULL';
END $$;

-- ---------------------------------------------------------------- reference data
DO $$
BEGIN
  ASSERT (SELECT count(*) FROM public.ai_models WHERE is_active) = 2, 'expected 2 active AI models';
  ASSERT (SELECT type FROM public.ai_models WHERE name = 'dalsi-aivi' AND version = '1.0') = 'multimodal',
    'expected dalsi-aivi 1.0 to be multimodal';
  ASSERT (SELECT array_agg(name ORDER BY name) FROM public.api_products) = ARRAY['ai-chat', 'ai-code', 'ai-image'],
    'expected API products ai-chat, ai-code, ai-image';
  ASSERT (SELECT max_tokens_per_request FROM public.api_products WHERE name = 'ai-chat') = 2048,
    'expected ai-chat max_tokens_per_request 2048';
  ASSERT public.subscription_tier_rank('free') = 0 AND public.subscription_tier_rank('pro') = 1
         AND public.subscription_tier_rank('enterprise') = 2 AND public.subscription_tier_rank('gold') IS NULL,
    'expected tier ranks free 0, pro 1, enterprise 2, unknown NULL';
END $$;

-- ---------------------------------------------------------------- chats and sharing
DO $$
DECLARE t text; t2 text;
BEGIN
  ASSERT (SELECT title FROM public.get_shared_chat('demo-share-alice-lisbon')) = 'Trip planning to Lisbon',
    'expected shared token demo-share-alice-lisbon to return chat Trip planning to Lisbon';
  ASSERT NOT EXISTS (SELECT 1 FROM public.get_shared_chat('no-such-token')), 'expected unknown share token to return nothing';

  t := public.share_chat('ca000000-0000-4000-8000-000000000002');
  ASSERT length(t) = 64, 'expected a 64-character share token';
  ASSERT (SELECT is_shared FROM public.chats WHERE id = 'ca000000-0000-4000-8000-000000000002'),
    'expected chat ca..02 to be shared';
  t2 := public.share_chat('ca000000-0000-4000-8000-000000000002');
  ASSERT t2 = t, 'expected sharing twice to keep the same token';
  ASSERT (SELECT id FROM public.get_shared_chat(t)) = 'ca000000-0000-4000-8000-000000000002',
    'expected the new token to resolve to chat ca..02';
  ASSERT public.unshare_chat('ca000000-0000-4000-8000-000000000002'), 'expected unshare_chat to return true';
  ASSERT NOT EXISTS (SELECT 1 FROM public.get_shared_chat(t)), 'expected an unshared chat token to resolve to nothing';
  ASSERT (SELECT updated_at FROM public.chats WHERE id = 'ca000000-0000-4000-8000-000000000002') = now(),
    'expected chats.updated_at stamped to now() by set_updated_at';
END $$;

-- RLS: Alice sees only her 2 chats, cannot share Bob's; anon can resolve a share link.
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"sub":"c0000000-0000-4000-8000-000000000001","role":"authenticated"}', true);
DO $$
DECLARE ok boolean := false;
BEGIN
  ASSERT (SELECT count(*) FROM public.chats) = 2, 'expected Alice to see exactly her 2 chats';
  BEGIN
    PERFORM public.share_chat('ca000000-0000-4000-8000-000000000003');
  EXCEPTION WHEN no_data_found THEN ok := true;
  END;
  ASSERT ok, 'expected Alice sharing Bob''s chat to fail with chat not found';
  ASSERT (SELECT count(*) FROM public.api_keys) = 2, 'expected Alice to see exactly her 2 API keys';
  ASSERT (SELECT count(*) FROM public.billing_invoices) = 2, 'expected Alice to see exactly her 2 invoices';
  ASSERT (SELECT count(*) FROM public.api_usage_logs) = 4, 'expected Alice to see her 4 usage log rows';
  ASSERT (SELECT count(*) FROM public.users) = 1, 'expected Alice to see only her own profile';
  ASSERT public.current_subscription_tier('c0000000-0000-4000-8000-000000000002') = 'free',
    'expected Alice not to see Bob''s subscription (tier falls back to free)';
END $$;
RESET ROLE;
SET LOCAL ROLE anon;
SELECT set_config('request.jwt.claims', '{"role":"anon"}', true);
DO $$
DECLARE ok boolean := false;
BEGIN
  ASSERT (SELECT count(*) FROM public.get_shared_chat('demo-share-alice-lisbon')) = 1,
    'expected anon to read the shared chat by token';
  ASSERT (SELECT count(*) FROM public.chats) = 0, 'expected anon to see no chats directly';
  ASSERT (SELECT array_agg(slug ORDER BY slug) FROM public.blog_posts)
         = ARRAY['api-rate-limits-explained', 'introducing-dalsi-aivi'],
    'expected anon to see only the 2 published blog posts';
  ASSERT (SELECT count(*) FROM public.faqs) = 3, 'expected anon to see the 3 published FAQs';
  ASSERT (SELECT count(*) FROM public.feature_flags) = 5, 'expected anon to read the 5 feature flags';
  INSERT INTO public.contact_submissions (name, email, message, type)
  VALUES ('Hank Example', 'hank@example.com', 'Is there an on-premise option?', 'sales');
  BEGIN
    INSERT INTO public.contact_submissions (name, email, message, status)
    VALUES ('Ivy Example', 'ivy@example.com', 'Hi', 'resolved');
  EXCEPTION WHEN insufficient_privilege THEN ok := true;
  END;
  ASSERT ok, 'expected anon insert with status resolved to be rejected by RLS';
  ok := false;
  BEGIN
    PERFORM count(*) FROM public.a_users;
  EXCEPTION WHEN insufficient_privilege THEN ok := true;
  END;
  ASSERT ok, 'expected anon to have no access to a_users';
END $$;
RESET ROLE;
SELECT set_config('request.jwt.claims', '', true);
DO $$
BEGIN
  ASSERT (SELECT count(*) FROM public.contact_submissions WHERE status = 'new') = 2,
    'expected 2 new contact submissions (fixture Erin + anon Hank)';
END $$;

-- ---------------------------------------------------------------- API keys
DO $$
DECLARE r record;
BEGIN
  -- verify_api_key
  SELECT * INTO r FROM public.verify_api_key(encode(sha256('demo-key-not-a-secret-2'::bytea), 'hex'), '203.0.113.5');
  ASSERT r.is_valid AND r.reason = 'ok' AND r.user_id = 'c0000000-0000-4000-8000-000000000002',
    'expected Bob''s key from 203.0.113.5 to be valid (ok)';
  SELECT * INTO r FROM public.verify_api_key(encode(sha256('demo-key-not-a-secret-2'::bytea), 'hex'), '198.51.100.1');
  ASSERT NOT r.is_valid AND r.reason = 'ip_not_allowed', 'expected Bob''s key from 198.51.100.1 to be ip_not_allowed';
  SELECT * INTO r FROM public.verify_api_key(encode(sha256('demo-key-not-a-secret-3'::bytea), 'hex'));
  ASSERT r.reason = 'expired', 'expected Alice''s old dev key to be expired';
  SELECT * INTO r FROM public.verify_api_key(encode(sha256('demo-key-not-a-secret-4'::bytea), 'hex'));
  ASSERT r.reason = 'revoked', 'expected Dave''s leaked key to be revoked';
  SELECT * INTO r FROM public.verify_api_key(encode(sha256('demo-key-not-a-secret-1'::bytea), 'hex'), '192.0.2.10');
  ASSERT r.reason = 'ok' AND r.api_key_id = 'e1000000-0000-4000-8000-000000000001', 'expected Alice''s production key to be ok';
  SELECT * INTO r FROM public.verify_api_key('0000');
  ASSERT r.reason = 'not_found' AND r.api_key_id IS NULL, 'expected an unknown hash to be not_found';

  -- api_key_can_use_product
  ASSERT public.api_key_can_use_product('e1000000-0000-4000-8000-000000000001', 'ai-chat'), 'expected Alice''s pro key to use ai-chat';
  ASSERT public.api_key_can_use_product('e1000000-0000-4000-8000-000000000001', 'ai-code'), 'expected Alice''s pro key to use ai-code';
  ASSERT NOT public.api_key_can_use_product('e1000000-0000-4000-8000-000000000001', 'ai-image'), 'expected Alice''s pro key NOT to use ai-image';
  ASSERT public.api_key_can_use_product('e1000000-0000-4000-8000-000000000002', 'ai-image'), 'expected Bob''s enterprise key to use ai-image';
  ASSERT NOT public.api_key_can_use_product('e1000000-0000-4000-8000-000000000005', 'ai-code'), 'expected Carol''s free chat-only key NOT to use ai-code';
  ASSERT NOT public.api_key_can_use_product('e1000000-0000-4000-8000-000000000005', 'no-such-product'), 'expected unknown product to be false';

  -- roll-up trigger results from the fixture logs
  SELECT * INTO r FROM public.api_keys WHERE id = 'e1000000-0000-4000-8000-000000000001';
  ASSERT r.total_requests = 4 AND r.total_tokens_used = 450 AND r.total_cost_usd = 0.0009
         AND r.last_used_endpoint = '/v1/chat/completions' AND r.last_used_ip = '192.0.2.11'::inet,
    'expected Alice key totals 4 requests / 450 tokens / 0.0009 USD, last used /v1/chat/completions from 192.0.2.11';
  ASSERT (SELECT count(*) FROM public.api_usage_logs WHERE user_id = 'c0000000-0000-4000-8000-000000000002'
            AND subscription_tier = 'enterprise') = 2,
    'expected fill trigger to set user_id Bob and tier enterprise on his 2 logs';
END $$;

-- revoke_expired_api_keys: exactly the one expired key, automatically.
DO $$
BEGIN
  ASSERT public.revoke_expired_api_keys() = 1, 'expected revoke_expired_api_keys to revoke exactly 1 key';
  ASSERT (SELECT NOT is_active AND revoked_at = now() AND revoke_reason = 'expired'
            FROM public.api_keys WHERE id = 'e1000000-0000-4000-8000-000000000003'),
    'expected key e1..03 revoked now with reason expired';
  ASSERT (SELECT is_active AND revoked_at IS NULL FROM public.api_keys WHERE id = 'e1000000-0000-4000-8000-000000000005'),
    'expected Carol''s not-yet-expired key to stay active';
  ASSERT (SELECT count(*) FROM public.api_key_revocations
           WHERE api_key_id = 'e1000000-0000-4000-8000-000000000003' AND revoke_type = 'automatic') = 1,
    'expected one automatic revocation row for e1..03';
  ASSERT public.revoke_expired_api_keys() = 0, 'expected a second sweep to revoke 0 keys';
END $$;

-- revoke_api_key as an end user: own key works, another user's key does not.
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"sub":"c0000000-0000-4000-8000-000000000003","role":"authenticated"}', true);
DO $$
DECLARE ok boolean := false; v uuid;
BEGIN
  BEGIN
    PERFORM public.revoke_api_key('e1000000-0000-4000-8000-000000000002', 'not mine');
  EXCEPTION WHEN no_data_found THEN ok := true;
  END;
  ASSERT ok, 'expected Carol revoking Bob''s key to fail with not found';
  v := public.revoke_api_key('e1000000-0000-4000-8000-000000000005', 'No longer needed',
                             'ad000000-0000-4000-8000-000000000001', '192.0.2.77', 'demo-agent');
  ASSERT (SELECT count(*) FROM public.api_key_revocations WHERE id = v AND revoked_by IS NULL
            AND user_id = 'c0000000-0000-4000-8000-000000000003') = 1,
    'expected Carol''s revocation row visible to her, with revoked_by NULL (users cannot claim an admin)';
END $$;
RESET ROLE;
SELECT set_config('request.jwt.claims', '', true);
DO $$
DECLARE ok boolean := false; v uuid;
BEGIN
  ASSERT (SELECT NOT is_active AND revoke_reason = 'No longer needed' FROM public.api_keys
           WHERE id = 'e1000000-0000-4000-8000-000000000005'),
    'expected Carol''s key inactive with reason No longer needed';
  ASSERT (SELECT is_active FROM public.api_keys WHERE id = 'e1000000-0000-4000-8000-000000000002'),
    'expected Bob''s key still active';
  -- admin path (service role / back office): revoked_by is kept.
  v := public.revoke_api_key('e1000000-0000-4000-8000-000000000002', 'Abuse report', 'ad000000-0000-4000-8000-000000000002');
  ASSERT (SELECT revoked_by FROM public.api_key_revocations WHERE id = v) = 'ad000000-0000-4000-8000-000000000002',
    'expected admin revocation to record revoked_by support.maria';
  ASSERT (SELECT revoked_by FROM public.api_keys WHERE id = 'e1000000-0000-4000-8000-000000000002') = 'ad000000-0000-4000-8000-000000000002',
    'expected api_keys.revoked_by support.maria';
  BEGIN
    PERFORM public.revoke_api_key('e1000000-0000-4000-8000-000000000002', 'again');
  EXCEPTION WHEN invalid_parameter_value THEN ok := true;
  END;
  ASSERT ok, 'expected revoking an already revoked key to fail';
  ASSERT (SELECT count(*) FROM public.api_key_revocations) = 4,
    'expected 4 revocation rows (1 fixture + 1 automatic + Carol + admin)';
  ASSERT (SELECT reason FROM public.verify_api_key(encode(sha256('demo-key-not-a-secret-2'::bytea), 'hex'), '203.0.113.5')) = 'revoked',
    'expected Bob''s key to verify as revoked after revocation';
END $$;

-- ---------------------------------------------------------------- rate limit
-- Alice's key e1..01 allows 5 requests per minute; fixture logs are all older than today.
DO $$
DECLARE r record; i int;
BEGIN
  SELECT * INTO r FROM public.check_api_key_rate_limit('e1000000-0000-4000-8000-000000000001');
  ASSERT r.allowed AND r.window_name = 'minute' AND r.used = 0 AND r.remaining = 5,
    'expected a fresh minute: allowed, minute window, 0 used, 5 remaining';
  FOR i IN 1..4 LOOP
    INSERT INTO public.api_usage_logs (api_key_id, endpoint, status_code, tokens_used, cost_usd, ip_address)
    VALUES ('e1000000-0000-4000-8000-000000000001', '/v1/chat/completions', 200, 10, 0.00002, '192.0.2.12');
  END LOOP;
  SELECT * INTO r FROM public.check_api_key_rate_limit('e1000000-0000-4000-8000-000000000001');
  ASSERT r.allowed AND r.used = 4 AND r.remaining = 1, 'expected after 4 requests: allowed, 4 used, 1 remaining';
  INSERT INTO public.api_usage_logs (api_key_id, endpoint, status_code, tokens_used, cost_usd, ip_address)
  VALUES ('e1000000-0000-4000-8000-000000000001', '/v1/chat/completions', 200, 10, 0.00002, '192.0.2.12');
  SELECT * INTO r FROM public.check_api_key_rate_limit('e1000000-0000-4000-8000-000000000001');
  ASSERT NOT r.allowed AND r.window_name = 'minute' AND r.used = 5 AND r.remaining = 0
         AND r.limit_value = 5 AND r.reset_at = date_trunc('minute', now()) + interval '1 minute',
    'expected at exactly 5 requests: blocked on the minute window, 0 remaining, reset at the next minute';
  -- the hourly window is the binding one once the minute limit is raised
  UPDATE public.api_keys SET rate_limit_per_minute = 100, rate_limit_per_hour = 6
   WHERE id = 'e1000000-0000-4000-8000-000000000001';
  SELECT * INTO r FROM public.check_api_key_rate_limit('e1000000-0000-4000-8000-000000000001');
  ASSERT r.allowed AND r.window_name = 'hour' AND r.remaining = 1,
    'expected the hour window (limit 6, 5 used) to bind with 1 remaining';
  -- totals rolled up: 4 fixture + 5 new requests, 450 + 50 tokens
  ASSERT (SELECT total_requests = 9 AND total_tokens_used = 500 AND last_used_at = now() AND updated_at = now()
            FROM public.api_keys WHERE id = 'e1000000-0000-4000-8000-000000000001'),
    'expected Alice key totals 9 requests / 500 tokens, last_used_at now';
  -- an invalid key is never allowed
  SELECT * INTO r FROM public.check_api_key_rate_limit('e1000000-0000-4000-8000-000000000004');
  ASSERT NOT r.allowed AND r.window_name = 'key_invalid', 'expected the revoked key to be key_invalid';
END $$;

-- cleanup_api_usage_logs: deletes exactly the 3 rows older than 90 days.
DO $$
BEGIN
  ASSERT (SELECT count(*) FROM public.api_usage_logs) = 11, 'expected 11 usage logs before cleanup (6 fixture + 5 new)';
  ASSERT public.cleanup_api_usage_logs() = 3, 'expected cleanup to delete the 3 logs older than 90 days';
  ASSERT (SELECT count(*) FROM public.api_usage_logs) = 8, 'expected 8 usage logs kept';
  ASSERT NOT EXISTS (SELECT 1 FROM public.api_usage_logs WHERE id IN (
           'd1000000-0000-4000-8000-000000000004', 'd1000000-0000-4000-8000-000000000005',
           'd1000000-0000-4000-8000-000000000006')), 'expected the 200/120/100-day-old logs to be gone';
  ASSERT public.cleanup_api_usage_logs(interval '36 hours') = 2, 'expected a 36-hour cleanup to delete the 2- and 3-day-old logs';
END $$;

-- ---------------------------------------------------------------- subscriptions and billing
DO $$
DECLARE inv public.billing_invoices; n text; ok boolean := false;
BEGIN
  ASSERT public.current_subscription_tier('c0000000-0000-4000-8000-000000000001') = 'pro', 'expected Alice on pro';
  ASSERT public.current_subscription_tier('c0000000-0000-4000-8000-000000000002') = 'enterprise', 'expected Bob on enterprise';
  ASSERT public.current_subscription_tier('c0000000-0000-4000-8000-000000000005') = 'free', 'expected Dave (cancelled) on free';
  ASSERT public.current_subscription_tier('c0000000-0000-4000-8000-000000000003') = 'free', 'expected Carol (no subscription) on free';

  -- invoice number and total are filled in
  INSERT INTO public.billing_invoices (user_id, subscription_id, amount, tax_amount, due_date)
  VALUES ('c0000000-0000-4000-8000-000000000002', '5b000000-0000-4000-8000-000000000002', 99.00, 9.90, now() + interval '7 days')
  RETURNING * INTO inv;
  ASSERT inv.total_amount = 108.90, 'expected total_amount 108.90 filled as amount + tax';
  ASSERT inv.invoice_number ~ ('^INV-' || to_char(now(), 'YYYY') || '-[0-9]{6}$'),
    'expected invoice number INV-<year>-<6 digits>, got ' || inv.invoice_number;
  n := public.next_invoice_number();
  ASSERT right(n, 6)::int = right(inv.invoice_number, 6)::int + 1, 'expected next_invoice_number to follow the last one';
  BEGIN
    INSERT INTO public.billing_invoices (user_id, amount, tax_amount, total_amount) VALUES
      ('c0000000-0000-4000-8000-000000000002', 10, 1, 12);
  EXCEPTION WHEN check_violation THEN ok := true;
  END;
  ASSERT ok, 'expected total_amount <> amount + tax to be rejected';

  -- mark_invoice_paid
  inv := public.mark_invoice_paid('1a000000-0000-4000-8000-000000000003', 'card', 'demo_payment_0003');
  ASSERT inv.status = 'paid' AND inv.paid_at = now() AND inv.amount_paid = 20.90,
    'expected Alice''s pending invoice paid now with amount_paid 20.90';
  ok := false;
  BEGIN
    PERFORM public.mark_invoice_paid('1a000000-0000-4000-8000-000000000004', 'card', 'x');
  EXCEPTION WHEN invalid_parameter_value THEN ok := true;
  END;
  ASSERT ok, 'expected paying a refunded invoice to fail';
  inv := public.mark_invoice_paid('1a000000-0000-4000-8000-000000000005', 'bank_transfer', 'demo_payment_0005b', 100.00);
  ASSERT inv.status = 'paid' AND inv.amount_paid = 100.00, 'expected failed invoice paid with partial amount 100.00';

  -- the period ends: tier falls back to free
  UPDATE public.user_subscriptions SET current_period_start = now() - interval '31 days',
                                       current_period_end = now() - interval '1 day'
   WHERE id = '5b000000-0000-4000-8000-000000000001';
  ASSERT public.current_subscription_tier('c0000000-0000-4000-8000-000000000001') = 'free',
    'expected Alice back on free once her period ended';
END $$;

-- ---------------------------------------------------------------- content
DO $$
DECLARE r record; old_ts timestamptz;
BEGIN
  UPDATE public.blog_posts SET status = 'published' WHERE slug = 'roadmap-next-year';
  SELECT * INTO r FROM public.blog_posts WHERE slug = 'roadmap-next-year';
  ASSERT r.published_at = now() AND r.updated_at = now(), 'expected publishing the draft to stamp published_at and updated_at = now()';
  UPDATE public.blog_posts SET status = 'archived' WHERE slug = 'introducing-dalsi-aivi';
  ASSERT (SELECT published_at FROM public.blog_posts WHERE slug = 'introducing-dalsi-aivi') = '2025-03-01 09:00:00+00',
    'expected archiving to keep the original published_at 2025-03-01 09:00';

  SELECT updated_at INTO old_ts FROM public.faqs WHERE id = '0f000000-0000-4000-8000-000000000004';
  UPDATE public.faqs SET is_published = true WHERE id = '0f000000-0000-4000-8000-000000000004';
  ASSERT (SELECT updated_at FROM public.faqs WHERE id = '0f000000-0000-4000-8000-000000000004') = now()
         AND old_ts = '2024-12-01 09:00:00+00',
    'expected faqs.updated_at to move from 2024-12-01 09:00 to now()';
END $$;

-- ---------------------------------------------------------------- email campaigns
DO $$
DECLARE r record;
BEGIN
  SELECT * INTO r FROM public.email_campaign_performance WHERE name = 'AIVI launch';
  ASSERT r.open_rate_pct = 45.00 AND r.click_rate_pct = 8.00 AND r.click_to_open_pct = 17.78,
    'expected AIVI launch rates: open 45.00%, click 8.00%, click-to-open 17.78%';
  ASSERT (SELECT open_rate_pct IS NULL FROM public.email_campaign_performance WHERE name = 'Win-back'),
    'expected a draft with 0 recipients to have a NULL open rate';
END $$;

-- ---------------------------------------------------------------- funnel
DO $$
DECLARE v uuid; v2 uuid; r record;
BEGIN
  ASSERT public.funnel_step_order('guest_created') = 1 AND public.funnel_step_order('subscription_purchased') = 8
         AND public.funnel_step_order('nope') IS NULL, 'expected step orders guest_created 1, subscription_purchased 8, unknown NULL';
  ASSERT (SELECT time_from_previous_step_seconds FROM public.conversion_funnel_detailed
           WHERE id = 'f0000000-0000-4000-8000-000000000016') = 257100,
    'expected Bob''s subscription_purchased 257100 s after account_created';
  ASSERT (SELECT time_from_previous_step_seconds IS NULL FROM public.conversion_funnel_detailed
           WHERE id = 'f0000000-0000-4000-8000-000000000001'), 'expected no previous-step time on guest_created';

  SELECT * INTO r FROM public.conversion_funnel_summary WHERE step_name = 'friction_shown';
  ASSERT r.users_reached = 3 AND r.pct_of_funnel_users = 75.00 AND r.median_seconds_from_previous = 900,
    'expected friction_shown reached by 3 users (75.00%) with median 900 s';

  -- Carol clicks sign-in now: 5 after friction_dismissed.
  v := public.track_funnel_step('c0000000-0000-4000-8000-000000000003', 'sign_in_clicked', 'sess-carol-2',
                                '{"via": "banner"}');
  SELECT * INTO r FROM public.conversion_funnel_detailed WHERE id = v;
  ASSERT r.step_order = 5 AND r.completed_at = now()
         AND r.time_from_previous_step_seconds = floor(extract(epoch FROM now() - '2025-01-08 09:16:00+00'::timestamptz))::int,
    'expected Carol sign_in_clicked with step_order 5 and time since friction_dismissed (2025-01-08 09:16)';
  v2 := public.track_funnel_step('c0000000-0000-4000-8000-000000000003', 'sign_in_clicked');
  ASSERT v2 = v, 'expected tracking the same step twice to return the first record';
  ASSERT (SELECT count(*) FROM public.conversion_funnel_detailed WHERE user_id = 'c0000000-0000-4000-8000-000000000003') = 5,
    'expected Carol to have 5 funnel rows';
END $$;

-- ---------------------------------------------------------------- cohorts
DO $$
DECLARE c public.cohort_analysis;
BEGIN
  c := public.refresh_cohort_analysis('weekly', '2025-01-09');
  ASSERT c.cohort_date = '2025-01-06', 'expected weekly cohort normalised to Monday 2025-01-06';
  ASSERT c.cohort_size = 4 AND c.conversion_count = 2 AND c.conversion_rate = 50.00,
    'expected cohort of 4 with 2 conversions (50.00%), got ' || c.cohort_size || '/' || c.conversion_count;
  ASSERT c.avg_days_to_conversion = 2.50 AND c.avg_messages_before_conversion = 10.00,
    'expected 2.50 days and 10.00 messages on average before conversion';
  ASSERT c.conversion_by_source = '{"SPRING25": 1, "direct": 1}'::jsonb,
    'expected conversions by source SPRING25 1, direct 1, got ' || c.conversion_by_source;
  ASSERT c.conversion_by_tier = '{"pro": 1, "enterprise": 1}'::jsonb,
    'expected conversions by tier pro 1, enterprise 1, got ' || c.conversion_by_tier;
  -- paid invoices (total_amount) of Alice (20.90 + the 20.90 paid above) and Bob (108.90 + the failed one settled above)
  ASSERT c.revenue_generated = 20.90 + 20.90 + 108.90 + 108.90,
    'expected revenue 259.60 from paid invoices of the cohort, got ' || c.revenue_generated;

  -- recomputing updates the same row
  c := public.refresh_cohort_analysis('weekly', '2025-01-06');
  ASSERT (SELECT count(*) FROM public.cohort_analysis WHERE cohort_type = 'weekly' AND cohort_date = '2025-01-06') = 1,
    'expected a single weekly 2025-01-06 cohort row after refreshing twice';

  c := public.refresh_cohort_analysis('daily', '2025-01-08');
  ASSERT c.cohort_size = 1 AND c.conversion_count = 0 AND c.conversion_rate = 0 AND c.avg_days_to_conversion IS NULL,
    'expected daily 2025-01-08 cohort: Carol only, no conversion';
  c := public.refresh_cohort_analysis('monthly', '2025-02-17');
  ASSERT c.cohort_date = '2025-02-01' AND c.cohort_size = 1 AND c.revenue_generated = 0,
    'expected monthly 2025-02 cohort: Dave only, 0 revenue (his invoice was refunded)';
  ASSERT (SELECT count(*) FROM public.cohort_analysis) = 4, 'expected 4 cohort rows (1 fixture + 3 computed)';
END $$;

-- ---------------------------------------------------------------- feature flags
DO $$
BEGIN
  ASSERT public.is_feature_enabled('guest_chat'), 'expected guest_chat on for everyone, even anonymous';
  ASSERT NOT public.is_feature_enabled('api_self_service_keys', 'c0000000-0000-4000-8000-000000000001'),
    'expected api_self_service_keys off (disabled)';
  ASSERT NOT public.is_feature_enabled('no_such_flag'), 'expected an unknown flag to be off';
  -- tier targeting: Bob is enterprise, Carol free (Alice's period ended above)
  ASSERT public.is_feature_enabled('dalsi_aivi_model', 'c0000000-0000-4000-8000-000000000002'),
    'expected dalsi_aivi_model on for enterprise Bob';
  ASSERT NOT public.is_feature_enabled('dalsi_aivi_model', 'c0000000-0000-4000-8000-000000000003'),
    'expected dalsi_aivi_model off for free Carol';
  ASSERT NOT public.is_feature_enabled('dalsi_aivi_model'), 'expected tier-targeted flag off for anonymous';
  -- 50% rollout: buckets Alice 44 (in), Bob 51 (out)
  ASSERT public.feature_flag_bucket('chat_sharing', 'c0000000-0000-4000-8000-000000000001') = 44,
    'expected Alice bucket 44 for chat_sharing';
  ASSERT public.is_feature_enabled('chat_sharing', 'c0000000-0000-4000-8000-000000000001'), 'expected chat_sharing on for Alice (bucket 44 < 50)';
  ASSERT NOT public.is_feature_enabled('chat_sharing', 'c0000000-0000-4000-8000-000000000002'), 'expected chat_sharing off for Bob (bucket 51 >= 50)';
  UPDATE public.feature_flags SET rollout_percentage = 100 WHERE name = 'chat_sharing';
  ASSERT public.is_feature_enabled('chat_sharing', 'c0000000-0000-4000-8000-000000000002'), 'expected chat_sharing on for Bob at 100%';
  ASSERT (SELECT updated_at FROM public.feature_flags WHERE name = 'chat_sharing') = now(),
    'expected feature_flags.updated_at stamped to now()';
END $$;
