-- Blog AI seed checks: run after every migration and the fixtures, inside a
-- transaction that is rolled back. Demo users (fixtures/001_demo_users.sql):
--   alice 11111111-1111-4111-8111-111111111111  pro, 3 usage events
--   bob   22222222-2222-4222-8222-222222222222  free, 4 of 5 used
--   carol 33333333-3333-4333-8333-333333333333  starter, past_due
--   dave  44444444-4444-4444-8444-444444444444  free, expired period

-- 1. Reference rows and documented indexes ------------------------------------
DO $$
BEGIN
  ASSERT (SELECT count(*) FROM public.tier_limits) = 4, 'expected 4 default tier_limits rows';
  ASSERT (SELECT (monthly_limit, daily_limit, price_monthly, price_yearly)
            FROM public.tier_limits WHERE tier = 'free') = (5, 2, 0::numeric, 0::numeric),
         'expected free tier 5/month, 2/day, $0';
  ASSERT (SELECT (monthly_limit, daily_limit, price_monthly, price_yearly)
            FROM public.tier_limits WHERE tier = 'starter') = (50, 10, 19::numeric, 190::numeric),
         'expected starter tier 50/month, 10/day, $19/$190';
  ASSERT (SELECT (monthly_limit, daily_limit, price_monthly, price_yearly)
            FROM public.tier_limits WHERE tier = 'pro') = (200, 50, 49::numeric, 490::numeric),
         'expected pro tier 200/month, 50/day, $49/$490';
  ASSERT (SELECT (monthly_limit, daily_limit, price_monthly, price_yearly)
            FROM public.tier_limits WHERE tier = 'business') = (1000, -1, 149::numeric, 1490::numeric),
         'expected business tier 1000/month, unlimited daily (-1), $149/$1490';
  ASSERT (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND indexname IN (
            'idx_generated_content_tool_id', 'idx_generated_content_created_at',
            'idx_generated_content_user_hash', 'idx_generated_content_is_favorite',
            'idx_generated_content_user_favorites', 'idx_generated_content_title',
            'idx_usage_records_user_time', 'idx_usage_records_recent',
            'idx_conversations_created_at', 'idx_conversations_updated_at',
            'idx_templates_tool_id', 'idx_templates_category', 'idx_templates_slug',
            'idx_templates_tags', 'idx_templates_use_count', 'idx_brand_profiles_slug',
            'idx_brand_profiles_user_hash', 'idx_brand_profiles_tone_keywords',
            'idx_voice_samples_profile', 'idx_voice_samples_analyzed',
            'idx_voice_fingerprints_profile', 'idx_voice_scores_profile',
            'idx_voice_scores_content')) = 23,
         'expected all 23 documented indexes to exist';
  ASSERT (SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_generated_content_title') LIKE '%USING gin (to_tsvector(%',
         'expected idx_generated_content_title to be a GIN tsvector index';
  ASSERT (SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_voice_samples_analyzed') LIKE '%WHERE (is_analyzed = false)%',
         'expected idx_voice_samples_analyzed to be partial on is_analyzed = false';
END $$;

-- 2. update_updated_at_column() -----------------------------------------------
DO $$
DECLARE v_upd timestamptz; v_cre timestamptz;
BEGIN
  UPDATE public.generated_content SET title = 'Ten Tips for Remote Teams (2024)'
   WHERE id = 'c1000000-0000-4000-8000-000000000001';
  SELECT updated_at, created_at INTO v_upd, v_cre FROM public.generated_content
   WHERE id = 'c1000000-0000-4000-8000-000000000001';
  ASSERT v_upd = now(), format('expected updated_at = now() after an update, got %s', v_upd);
  ASSERT v_cre = '2024-03-01 10:00+00', format('expected created_at to stay 2024-03-01 10:00+00, got %s', v_cre);
  ASSERT (SELECT updated_at FROM public.generated_content WHERE id = 'c1000000-0000-4000-8000-000000000002')
         = '2024-03-02 15:30+00', 'expected untouched row to keep updated_at 2024-03-02 15:30+00';
END $$;

-- 3. toggle_favorite / set_favorite / title full-text index ---------------------
DO $$
DECLARE r boolean;
BEGIN
  r := public.toggle_favorite('c1000000-0000-4000-8000-000000000001');
  ASSERT r IS TRUE, format('expected toggle_favorite on a non-favorite to return true, got %s', r);
  r := public.toggle_favorite('c1000000-0000-4000-8000-000000000001');
  ASSERT r IS FALSE, format('expected second toggle_favorite to return false, got %s', r);
  ASSERT (SELECT is_favorite FROM public.generated_content WHERE id = 'c1000000-0000-4000-8000-000000000001') = false,
         'expected content 1 to be not favorite after two toggles';
  r := public.toggle_favorite('00000000-0000-4000-8000-00000000dead');
  ASSERT r IS NULL, 'expected toggle_favorite on unknown content to return NULL';

  r := public.set_favorite('c1000000-0000-4000-8000-000000000003', true);
  ASSERT r IS TRUE, 'expected set_favorite(content 3, true) to return true';
  r := public.set_favorite('c1000000-0000-4000-8000-000000000003', true);
  ASSERT r IS TRUE, 'expected set_favorite to be idempotent (true again)';
  ASSERT (SELECT count(*) FROM public.generated_content WHERE is_favorite) = 2,
         'expected exactly 2 favorites (content 2 and 3)';
  r := public.set_favorite('c1000000-0000-4000-8000-000000000002', false);
  ASSERT r IS FALSE, 'expected set_favorite(content 2, false) to return false';
  ASSERT (SELECT array_agg(id) FROM public.generated_content WHERE is_favorite)
         = ARRAY['c1000000-0000-4000-8000-000000000003'::uuid], 'expected only content 3 to be favorite';

  ASSERT (SELECT array_agg(id) FROM public.generated_content
           WHERE to_tsvector('english'::regconfig, coalesce(title, '')) @@ to_tsquery('english', 'sourdough'))
         = ARRAY['c1000000-0000-4000-8000-000000000003'::uuid], 'expected title search "sourdough" to find content 3 only';
END $$;

-- 4. increment_tool_usage / get_tool_stats ------------------------------------
DO $$
DECLARE r record;
BEGIN
  PERFORM public.increment_tool_usage('blog-post-generator');
  ASSERT (SELECT count FROM public.tool_usage WHERE tool_id = 'blog-post-generator') = 43,
         'expected blog-post-generator count 42 -> 43';
  ASSERT (SELECT last_used_at FROM public.tool_usage WHERE tool_id = 'blog-post-generator') = now(),
         'expected last_used_at = now() after increment';
  PERFORM public.increment_tool_usage('image-generator');
  PERFORM public.increment_tool_usage('image-generator');
  ASSERT (SELECT count FROM public.tool_usage WHERE tool_id = 'image-generator') = 2,
         'expected a new tool row with count 2 after two increments';

  ASSERT (SELECT count(*) FROM public.get_tool_stats()) = 4, 'expected get_tool_stats to return 4 tools';
  SELECT * INTO r FROM public.get_tool_stats() LIMIT 1;
  ASSERT r.tool_id = 'blog-post-generator' AND r.count = 43,
         format('expected most popular tool blog-post-generator (43), got %s (%s)', r.tool_id, r.count);
  ASSERT (SELECT array_agg(s.tool_id) FROM public.get_tool_stats() s)
         = ARRAY['blog-post-generator', 'social-media-post', 'headline-generator', 'image-generator'],
         'expected tools ordered by count: blog(43), social(17), headline(5), image(2)';
END $$;

-- 5. upsert_conversation / add_conversation_message ---------------------------
DO $$
DECLARE c public.conversations;
BEGIN
  c := public.upsert_conversation('c0de0000-0000-4000-8000-000000000002',
         '[{"role":"user","content":"Outline a post on sourdough"}]', '{"title":"Sourdough outline"}');
  ASSERT c.id = 'c0de0000-0000-4000-8000-000000000002' AND jsonb_array_length(c.messages) = 1,
         'expected upsert_conversation to create a conversation with 1 message';
  c := public.upsert_conversation('c0de0000-0000-4000-8000-000000000002',
         '[{"role":"user","content":"Outline a post on sourdough"},{"role":"assistant","content":"1. Starter 2. Dough 3. Bake"}]',
         NULL);
  ASSERT jsonb_array_length(c.messages) = 2, 'expected upsert_conversation to replace messages (2 now)';
  ASSERT c.metadata ->> 'title' = 'Sourdough outline', 'expected NULL metadata to keep the stored title';
  ASSERT (SELECT count(*) FROM public.conversations) = 2, 'expected 2 conversations after the upserts';

  c := public.add_conversation_message('c0de0000-0000-4000-8000-000000000001',
         '{"role":"user","content":"Expand idea 2"}');
  ASSERT jsonb_array_length(c.messages) = 3, 'expected the demo conversation to grow from 2 to 3 messages';
  ASSERT c.messages -> 2 ->> 'content' = 'Expand idea 2', 'expected the new message appended last';
  ASSERT c.messages -> 0 ->> 'role' = 'user' AND c.messages -> 1 ->> 'role' = 'assistant',
         'expected the first two messages unchanged';
  ASSERT c.updated_at = now(), 'expected updated_at = now() after appending';

  c := public.add_conversation_message('c0de0000-0000-4000-8000-000000000003', '{"role":"user","content":"Hello"}');
  ASSERT jsonb_array_length(c.messages) = 1, 'expected add_conversation_message to start a new conversation with 1 message';
END $$;

-- 6. increment_template_use_count ---------------------------------------------
DO $$
BEGIN
  PERFORM public.increment_template_use_count('e1000000-0000-4000-8000-000000000001');
  PERFORM public.increment_template_use_count('e1000000-0000-4000-8000-000000000001');
  ASSERT (SELECT use_count FROM public.templates WHERE id = 'e1000000-0000-4000-8000-000000000001') = 9,
         'expected seo-blog-post use_count 7 -> 9';
  ASSERT (SELECT use_count FROM public.templates WHERE id = 'e1000000-0000-4000-8000-000000000003') = 12,
         'expected other templates untouched (product-launch-tweet stays 12)';
END $$;

-- 7. set_default_brand_profile ------------------------------------------------
DO $$
DECLARE
  alice text := encode(sha256(convert_to('11111111-1111-4111-8111-111111111111', 'UTF8')), 'hex');
  raised boolean := false;
BEGIN
  PERFORM public.set_default_brand_profile('b1000000-0000-4000-8000-000000000002', alice);
  ASSERT (SELECT array_agg(slug ORDER BY slug) FROM public.brand_profiles WHERE is_default)
         = ARRAY['acme-formal', 'bob-bakes'],
         'expected defaults: acme-formal (alice) and bob-bakes (bob untouched)';
  BEGIN
    PERFORM public.set_default_brand_profile('b1000000-0000-4000-8000-000000000003', alice);
  EXCEPTION WHEN no_data_found THEN raised := true;
  END;
  ASSERT raised, 'expected set_default_brand_profile on another user''s profile to raise';
  ASSERT (SELECT is_default FROM public.brand_profiles WHERE slug = 'acme-formal'),
         'expected acme-formal to stay default after the refused call';
  ASSERT (SELECT voice_fingerprint_id FROM public.brand_profiles WHERE slug = 'acme-friendly')
         = 'f1000000-0000-4000-8000-000000000001', 'expected acme-friendly linked to its fingerprint';
END $$;

-- 8. Usage reports: get_current_month_usage / get_usage_breakdown / get_daily_usage
DO $$
DECLARE r record;
BEGIN
  SELECT * INTO r FROM public.get_current_month_usage('22222222-2222-4222-8222-222222222222');
  ASSERT r.usage_count = 4 AND r.tokens_used = 2150,
         format('expected bob 4 events / 2150 tokens this period, got %s / %s', r.usage_count, r.tokens_used);
  ASSERT r.period_start = (SELECT period_start FROM public.user_quotas WHERE user_id = '22222222-2222-4222-8222-222222222222'),
         'expected bob''s period to be his user_quotas period';
  SELECT * INTO r FROM public.get_current_month_usage('11111111-1111-4111-8111-111111111111');
  ASSERT r.usage_count = 3 AND r.tokens_used = 7000,
         format('expected alice 3 events / 7000 tokens, got %s / %s', r.usage_count, r.tokens_used);
  SELECT * INTO r FROM public.get_current_month_usage('nobody-at-all');
  ASSERT r.usage_count = 0 AND r.period_start = date_trunc('month', now())
         AND r.period_end = date_trunc('month', now()) + interval '1 month',
         'expected an unknown user to get 0 usage over the calendar month';
  -- dave's stored period has ended: it is rolled forward on the fly, so his
  -- two old events fall outside it.
  SELECT * INTO r FROM public.get_current_month_usage('44444444-4444-4444-8444-444444444444');
  ASSERT r.usage_count = 0 AND r.period_start = (SELECT period_end FROM public.user_quotas
                                                  WHERE user_id = '44444444-4444-4444-8444-444444444444'),
         'expected dave 0 usage in a period starting at his stored period_end';

  ASSERT (SELECT array_agg(format('%s:%s:%s', b.operation_type, b.request_count, b.total_tokens))
            FROM public.get_usage_breakdown('22222222-2222-4222-8222-222222222222') b)
         = ARRAY['blog:2:1600', 'remix:1:400', 'tool:1:150'],
         'expected bob breakdown for the current period: blog 2/1600, remix 1/400, tool 1/150';
  ASSERT (SELECT array_agg(format('%s:%s:%s', b.operation_type, b.request_count, b.total_tokens))
            FROM public.get_usage_breakdown('22222222-2222-4222-8222-222222222222',
                                             now() - interval '30 days', now()) b)
         = ARRAY['blog:3:2250', 'remix:1:400', 'tool:1:150'],
         'expected bob breakdown over 30 days: blog 3/2250, remix 1/400, tool 1/150';
  ASSERT (SELECT count(*) FROM public.get_usage_breakdown('22222222-2222-4222-8222-222222222222',
                                             now() - interval '1 day', now())) = 0,
         'expected no bob usage in the last day';

  ASSERT public.get_daily_usage('22222222-2222-4222-8222-222222222222') = 0, 'expected bob 0 events today';
END $$;

-- 9. check_quota_available / increment_user_usage trip exactly at the monthly limit
DO $$
DECLARE r record; bob text := '22222222-2222-4222-8222-222222222222';
BEGIN
  SELECT * INTO r FROM public.check_quota_available(bob);
  ASSERT r.has_quota AND r.tier = 'free' AND r.current_usage = 4 AND r.monthly_limit = 5 AND r.remaining = 1,
         format('expected bob free 4/5 with 1 remaining, got %s %s/%s rem %s', r.tier, r.current_usage, r.monthly_limit, r.remaining);
  ASSERT r.daily_usage = 0 AND r.daily_limit = 2 AND r.daily_remaining = 2, 'expected bob 0/2 today';

  SELECT * INTO r FROM public.increment_user_usage(bob, 'blog', 500, '{"tool_id":"blog-post-generator"}');
  ASSERT r.success AND r.current_usage = 5 AND r.remaining = 0 AND r.usage_record_id IS NOT NULL,
         format('expected the 5th generation to succeed with 0 remaining, got %s %s %s', r.success, r.current_usage, r.remaining);
  ASSERT (SELECT tokens_used FROM public.usage_records WHERE id = r.usage_record_id) = 500,
         'expected the recorded event to carry 500 tokens';
  ASSERT public.get_daily_usage(bob) = 1, 'expected bob 1 event today after the increment';

  SELECT * INTO r FROM public.increment_user_usage(bob, 'blog', 500, NULL);
  ASSERT NOT r.success AND r.current_usage = 5 AND r.remaining = 0 AND r.usage_record_id IS NULL,
         'expected the 6th generation to be refused at the free limit of 5';
  ASSERT (SELECT count(*) FROM public.usage_records WHERE user_id = bob) = 6,
         'expected the refused generation to record nothing (bob 6 rows in total)';
  ASSERT NOT (SELECT has_quota FROM public.check_quota_available(bob)), 'expected bob to have no quota left';
END $$;

-- 10. The daily limit trips on its own; first use creates a free quota row ----
DO $$
DECLARE r record; u text := 'check-user-daily';
BEGIN
  SELECT * INTO r FROM public.increment_user_usage(u, 'tool', 10, NULL);
  ASSERT r.success AND r.daily_usage = 1, 'expected first generation of a new user to succeed';
  ASSERT (SELECT tier FROM public.user_quotas WHERE user_id = u) = 'free',
         'expected a free user_quotas row to be created on first use';
  SELECT * INTO r FROM public.increment_user_usage(u, 'tool', 10, NULL);
  ASSERT r.success AND r.daily_usage = 2, 'expected second generation today to succeed (daily limit 2)';
  SELECT * INTO r FROM public.increment_user_usage(u, 'tool', 10, NULL);
  ASSERT NOT r.success AND r.daily_usage = 2 AND r.remaining = 3,
         'expected third generation today to be refused by the daily limit, 3 monthly remaining';
  ASSERT (SELECT daily_remaining FROM public.check_quota_available(u)) = 0, 'expected 0 daily remaining';
END $$;

-- 11. reset_expired_quotas rolls only expired periods forward -----------------
DO $$
DECLARE
  old_end   timestamptz;
  bob_start timestamptz;
  n integer;
  r record;
BEGIN
  SELECT period_end INTO old_end FROM public.user_quotas WHERE user_id = '44444444-4444-4444-8444-444444444444';
  SELECT period_start INTO bob_start FROM public.user_quotas WHERE user_id = '22222222-2222-4222-8222-222222222222';
  ASSERT old_end < now(), 'expected dave''s fixture period to have ended';
  ASSERT (SELECT count(*) FROM public.user_quotas WHERE period_end <= now()) = 1,
         'expected exactly one expired quota (dave) before the reset';

  n := public.reset_expired_quotas();
  ASSERT n = 1, format('expected reset_expired_quotas() to reset 1 quota, got %s', n);
  SELECT * INTO r FROM public.user_quotas WHERE user_id = '44444444-4444-4444-8444-444444444444';
  ASSERT r.period_start = old_end AND r.period_end = old_end + interval '1 month' AND r.period_end > now(),
         'expected dave''s new period = [old period_end, +1 month), ending in the future';
  ASSERT r.updated_at = now(), 'expected the reset row''s updated_at = now()';
  ASSERT (SELECT period_start FROM public.user_quotas WHERE user_id = '22222222-2222-4222-8222-222222222222') = bob_start,
         'expected bob''s current period untouched';

  -- force bob's period into the past: the next reset resets exactly him
  UPDATE public.user_quotas SET period_start = now() - interval '1 hour' - interval '1 month', period_end = now() - interval '1 hour'
   WHERE user_id = '22222222-2222-4222-8222-222222222222';
  n := public.reset_expired_quotas();
  ASSERT n = 1, format('expected the second reset to reset only bob, got %s', n);
  ASSERT (SELECT has_quota FROM public.check_quota_available('22222222-2222-4222-8222-222222222222')),
         'expected bob to have quota again in his new period';
  ASSERT (SELECT (period_start, current_usage) FROM public.check_quota_available('22222222-2222-4222-8222-222222222222'))
         = (now() - interval '1 hour', 1::bigint),
         'expected bob''s new period to start 1 hour ago and hold only today''s event';
  ASSERT public.reset_expired_quotas() = 0, 'expected a third reset to find nothing expired';
END $$;

-- 12. get_subscription_status / sync_user_tier_from_subscription --------------
DO $$
DECLARE r record; dave_start timestamptz;
BEGIN
  SELECT * INTO r FROM public.get_subscription_status('11111111-1111-4111-8111-111111111111');
  ASSERT r.tier = 'pro' AND r.subscription_status = 'active' AND r.is_active
         AND r.subscription_id = 'sub_DEMO_alice_not_real' AND r.customer_id = 'cus_DEMO_alice_not_real'
         AND r.monthly_limit = 200 AND NOT r.has_payment_failure AND 'batch' = ANY (r.features),
         'expected alice: pro, active, 200/month, no open payment failure, batch feature';
  SELECT * INTO r FROM public.get_subscription_status('33333333-3333-4333-8333-333333333333');
  ASSERT r.tier = 'starter' AND r.subscription_status = 'past_due' AND r.has_payment_failure AND r.monthly_limit = 50,
         'expected carol: starter, past_due, open payment failure, 50/month';
  SELECT * INTO r FROM public.get_subscription_status('44444444-4444-4444-8444-444444444444');
  ASSERT r.tier = 'free' AND r.subscription_status IS NULL AND NOT r.is_active AND r.monthly_limit = 5,
         'expected dave: free, no subscription, 5/month';

  -- fixtures already ran the trigger: alice pro, carol starter everywhere
  ASSERT (SELECT array_agg(tier ORDER BY user_id) FROM public.users) = ARRAY['pro', 'free', 'starter', 'free'],
         'expected users.tier pro/free/starter/free after seeding';
  ASSERT (SELECT period_end FROM public.user_quotas WHERE user_id = '11111111-1111-4111-8111-111111111111')
         = (SELECT current_period_end FROM public.stripe_subscriptions WHERE subscription_id = 'sub_DEMO_alice_not_real'),
         'expected alice''s quota period to follow her subscription period';

  -- upgrade
  UPDATE public.stripe_subscriptions SET tier = 'business' WHERE subscription_id = 'sub_DEMO_alice_not_real';
  ASSERT (SELECT tier FROM public.users WHERE user_id = '11111111-1111-4111-8111-111111111111') = 'business',
         'expected users.tier business after the upgrade';
  SELECT * INTO r FROM public.check_quota_available('11111111-1111-4111-8111-111111111111');
  ASSERT r.tier = 'business' AND r.daily_limit = -1 AND r.daily_remaining = -1 AND r.remaining = 997,
         'expected alice business: unlimited daily, 997 of 1000 remaining';

  -- cancellation downgrades to free and keeps the period
  UPDATE public.stripe_subscriptions SET status = 'cancelled', cancelled_at = now()
   WHERE subscription_id = 'sub_DEMO_carol_not_real';
  ASSERT (SELECT tier FROM public.users WHERE user_id = '33333333-3333-4333-8333-333333333333') = 'free',
         'expected carol users.tier free after cancellation';
  ASSERT (SELECT (tier, period_end) FROM public.user_quotas WHERE user_id = '33333333-3333-4333-8333-333333333333')
         = ('free'::text, (SELECT current_period_end FROM public.stripe_subscriptions WHERE subscription_id = 'sub_DEMO_carol_not_real')),
         'expected carol quota free with her period kept';

  -- a new trial sets tier and period; deleting it falls back to free
  INSERT INTO public.stripe_subscriptions (subscription_id, user_id, tier, status, current_period_start, current_period_end)
  VALUES ('sub_CHECK_dave_trial', '44444444-4444-4444-8444-444444444444', 'starter', 'trialing',
          now() - interval '1 day', now() + interval '13 days');
  SELECT * INTO r FROM public.user_quotas WHERE user_id = '44444444-4444-4444-8444-444444444444';
  ASSERT r.tier = 'starter' AND r.period_start = now() - interval '1 day' AND r.period_end = now() + interval '13 days',
         'expected dave starter with the trial period';
  ASSERT (SELECT subscription_status FROM public.get_subscription_status('44444444-4444-4444-8444-444444444444')) = 'trialing',
         'expected dave''s status trialing';
  DELETE FROM public.stripe_subscriptions WHERE subscription_id = 'sub_CHECK_dave_trial';
  ASSERT (SELECT (tier, period_start) FROM public.user_quotas WHERE user_id = '44444444-4444-4444-8444-444444444444')
         = ('free'::text, now() - interval '1 day'), 'expected dave back to free, period kept, after the delete';
  ASSERT (SELECT tier FROM public.users WHERE user_id = '44444444-4444-4444-8444-444444444444') = 'free',
         'expected dave users.tier free after the delete';
END $$;

-- 13. RLS: ownership is really checked (013) ----------------------------------
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"sub":"11111111-1111-4111-8111-111111111111","role":"authenticated"}', true);

DO $$
DECLARE n integer; raised boolean;
BEGIN
  ASSERT public.current_user_hash() = encode(sha256(convert_to('11111111-1111-4111-8111-111111111111', 'UTF8')), 'hex'),
         'expected current_user_hash() = sha256 hex of alice''s uid';
  ASSERT (SELECT count(*) FROM public.generated_content) = 2, 'expected alice to see only her 2 generated contents';
  ASSERT (SELECT array_agg(slug ORDER BY slug) FROM public.templates) = ARRAY['product-launch-tweet', 'seo-blog-post'],
         'expected alice to see the 2 public templates, not bob''s private one';
  UPDATE public.templates SET name = 'hijacked' WHERE id = 'e1000000-0000-4000-8000-000000000002';
  GET DIAGNOSTICS n = ROW_COUNT;
  ASSERT n = 0, 'expected alice unable to update bob''s template';
  UPDATE public.templates SET name = 'hijacked' WHERE id = 'e1000000-0000-4000-8000-000000000003';
  GET DIAGNOSTICS n = ROW_COUNT;
  ASSERT n = 0, 'expected alice unable to update the ownerless public template';
  DELETE FROM public.templates WHERE id = 'e1000000-0000-4000-8000-000000000003';
  GET DIAGNOSTICS n = ROW_COUNT;
  ASSERT n = 0, 'expected alice unable to delete the ownerless public template';
  UPDATE public.templates SET description = 'Long-form SEO post' WHERE id = 'e1000000-0000-4000-8000-000000000001';
  GET DIAGNOSTICS n = ROW_COUNT;
  ASSERT n = 1, 'expected alice able to update her own template';

  ASSERT (SELECT count(*) FROM public.brand_profiles) = 2, 'expected alice to see her 2 brand profiles';
  ASSERT (SELECT count(*) FROM public.voice_samples) = 2, 'expected alice to see her 2 voice samples';
  ASSERT (SELECT count(*) FROM public.voice_fingerprints) = 1, 'expected alice to see 1 fingerprint';
  ASSERT (SELECT count(*) FROM public.voice_scores) = 1, 'expected alice to see 1 voice score';
  UPDATE public.brand_profiles SET industry = 'x' WHERE slug = 'bob-bakes';
  GET DIAGNOSTICS n = ROW_COUNT;
  ASSERT n = 0, 'expected alice unable to update bob''s brand profile';

  raised := false;
  BEGIN
    INSERT INTO public.voice_samples (profile_id, content) VALUES ('b1000000-0000-4000-8000-000000000003', 'planted');
  EXCEPTION WHEN insufficient_privilege THEN raised := true;
  END;
  ASSERT raised, 'expected alice unable to add a voice sample to bob''s profile';
  INSERT INTO public.voice_samples (profile_id, content) VALUES ('b1000000-0000-4000-8000-000000000002', 'formal sample');
  ASSERT (SELECT count(*) FROM public.voice_samples) = 3, 'expected alice able to add a sample to her own profile';

  raised := false;
  BEGIN
    INSERT INTO public.generated_content (tool_id, inputs, output, user_hash)
    VALUES ('blog-post-generator', '{}', 'planted',
            encode(sha256(convert_to('22222222-2222-4222-8222-222222222222', 'UTF8')), 'hex'));
  EXCEPTION WHEN insufficient_privilege THEN raised := true;
  END;
  ASSERT raised, 'expected alice unable to insert content under bob''s user_hash';
  INSERT INTO public.generated_content (tool_id, inputs, output, user_hash)
  VALUES ('blog-post-generator', '{}', 'mine', public.current_user_hash());
  ASSERT (SELECT count(*) FROM public.generated_content) = 3, 'expected alice to see her new content (3)';

  ASSERT (SELECT count(*) FROM public.users) = 1, 'expected alice to see only her users row';
  ASSERT (SELECT count(*) FROM public.user_quotas) = 1, 'expected alice to see only her quota';
  ASSERT (SELECT count(*) FROM public.usage_records) = 3, 'expected alice to see her 3 usage records';
  ASSERT (SELECT count(*) FROM public.stripe_customers) = 1, 'expected alice to see her Stripe customer';
  ASSERT (SELECT count(*) FROM public.stripe_subscriptions) = 1, 'expected alice to see her subscription';
  ASSERT (SELECT count(*) FROM public.payments) = 2, 'expected alice to see her 2 payments';
  ASSERT (SELECT count(*) FROM public.payment_failures) = 1, 'expected alice to see her 1 payment failure';
  ASSERT (SELECT count(*) FROM public.batch_jobs) = 1, 'expected alice to see her 1 batch job';
  ASSERT (SELECT count(*) FROM public.remix_history) = 1, 'expected alice to see her remix';
  ASSERT (SELECT count(*) FROM public.generated_images) = 1, 'expected alice to see her image';
  ASSERT (SELECT count(*) FROM public.tier_limits) = 4, 'expected tier_limits readable by users';
  ASSERT (SELECT count(*) FROM public.tool_usage) = 4, 'expected tool_usage readable by users';
END $$;

SELECT set_config('request.jwt.claims', '{"sub":"22222222-2222-4222-8222-222222222222","role":"authenticated"}', true);
DO $$
BEGIN
  ASSERT (SELECT array_agg(title) FROM public.generated_content) = ARRAY['Sourdough for Beginners'],
         'expected bob to see only his own content';
  ASSERT (SELECT count(*) FROM public.templates) = 3, 'expected bob to see 2 public templates and his private one';
  ASSERT (SELECT array_agg(slug) FROM public.brand_profiles) = ARRAY['bob-bakes'], 'expected bob to see only bob-bakes';
  ASSERT (SELECT count(*) FROM public.voice_samples) = 1, 'expected bob to see his 1 voice sample';
  ASSERT (SELECT count(*) FROM public.voice_fingerprints) = 0, 'expected bob to see no fingerprint';
END $$;

SELECT set_config('request.jwt.claims', '', true);
SET LOCAL ROLE anon;
DO $$
DECLARE raised boolean := false;
BEGIN
  ASSERT public.current_user_hash() IS NULL, 'expected no user hash for anonymous callers';
  ASSERT (SELECT count(*) FROM public.generated_content) = 0, 'expected anon to read no generated content';
  ASSERT (SELECT count(*) FROM public.brand_profiles) = 0, 'expected anon to read no brand profiles';
  ASSERT (SELECT count(*) FROM public.voice_samples) = 0, 'expected anon to read no voice samples';
  ASSERT (SELECT count(*) FROM public.templates) = 2, 'expected anon to read the 2 public templates';
  ASSERT (SELECT count(*) FROM public.tool_usage) = 4, 'expected anon to read tool usage';
  ASSERT (SELECT count(*) FROM public.users) = 0, 'expected anon to read no users';
  INSERT INTO public.generated_content (tool_id, inputs, output) VALUES ('headline-generator', '{}', 'anonymous');
  BEGIN
    INSERT INTO public.generated_content (tool_id, inputs, output, user_hash) VALUES ('headline-generator', '{}', 'x', 'abc');
  EXCEPTION WHEN insufficient_privilege THEN raised := true;
  END;
  ASSERT raised, 'expected anon unable to insert content under a user_hash';
END $$;
RESET ROLE;

DO $$
BEGIN
  ASSERT (SELECT count(*) FROM public.generated_content WHERE user_hash IS NULL) = 2,
         'expected the anonymous insert stored (2 ownerless contents)';
END $$;
