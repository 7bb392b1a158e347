// The planners' target queries against a real PostgreSQL: a hand-built fixture where each query must return
// exactly the expected ids in the expected order (never a hard decline, next_retry_at and LIMIT respected,
// recently messaged users skipped), and the demo data, where the target rows match the detectors' counts
// and feed the planners end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db';
import type { Db } from '../../db/knex';
import { runAllDetectors } from '../../db/queries/detectors';
import {
  queryAtRiskUsers,
  queryChurnSignalUsers,
  queryOrphanedActiveSubscriptions,
  queryRecentNonActivatedSignups,
  queryRetryablePayments,
  queryUnnormalizedEmails,
  queryUpgradeCandidates,
} from '../../db/queries/targets';
import { classifyDecline } from '../../engine/detectors/decline-codes';
import { planHeal } from '../../engine/planning/heal';
import { seedDemoData } from '../../scripts/seed/generate';
import type { SeedManifest } from '../../scripts/seed/manifest';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const H = 3_600_000;
const D = 24 * H;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

async function seedFixture(db: Db): Promise<void> {
  await db('app.plans').insert([
    { id: 1, name: 'free', price_cents: 0, interval: 'month' },
    { id: 2, name: 'starter', price_cents: 1900, interval: 'month' },
    { id: 3, name: 'starter_yearly', price_cents: 19000, interval: 'year' }, // 1583/month: cheaper, but yearly
    { id: 4, name: 'pro', price_cents: 4900, interval: 'month' },
  ]);

  type U = {
    id: number;
    email?: string | null;
    created?: number;
    activated?: number | null;
    lastSeen?: number | null;
    deleted?: boolean;
    optOut?: boolean;
  };
  const user = (u: U) => ({
    id: u.id,
    email: u.email === undefined ? `user${u.id}@example.com` : u.email,
    created_at: ago(u.created ?? 60 * D),
    activated_at: u.activated == null ? null : ago(u.activated),
    last_seen_at: u.lastSeen == null ? null : ago(u.lastSeen),
    acquisition_channel: 'organic',
    deleted_at: u.deleted ? ago(D) : null,
    marketing_opt_out: u.optOut ?? false,
  });
  const activated = 59 * D;
  await db('app.users').insert([
    ...Array.from({ length: 10 }, (_, i) => user({ id: i + 1, activated, lastSeen: H, optOut: i + 1 === 5 })),
    user({ id: 50, deleted: true }),
    // Emails.
    user({ id: 20, email: ' Alice@Example.com ' }), // unnormalized ×2
    user({ id: 21, email: 'BOB@EXAMPLE.ORG' }),
    user({ id: 22, email: 'USER1@example.com' }), // collides with user 1
    user({ id: 23, email: 'Bad@Host' }), // invalid
    user({ id: 24, email: 'ok@example.com' }), // already canonical
    user({ id: 25, email: null }),
    user({ id: 26, email: '\tTab@x.com' }), // btrim leaves the tab: invalid
    // Recent signups.
    user({ id: 30, created: 2 * D }), // yes
    user({ id: 31, created: 13 * D }), // yes
    user({ id: 32, created: 15 * D }), // too old
    user({ id: 33, created: 12 * H }), // younger than a day
    user({ id: 34, created: 5 * D, activated: 4 * D }), // activated
    user({ id: 35, created: 5 * D, optOut: true }),
    user({ id: 36, created: 5 * D, deleted: true }),
    user({ id: 37, created: 3 * D, activated: -H }), // activation stamped after now: not activated yet
    // Activity (events below).
    user({ id: 40, activated, lastSeen: 2 * H }), // declining 1 vs 8
    user({ id: 41, activated, lastSeen: 2 * H }), // 4 vs 8: not below half
    user({ id: 42, activated, lastSeen: 2 * D }), // 0 vs 2: under the minimum, seen recently
    user({ id: 43, activated, lastSeen: 10 * D }), // lapsing
    user({ id: 44, activated, lastSeen: 25 * D }), // lapsed too long ago
    user({ id: 45, activated, lastSeen: 10 * D }), // last_seen stale but an event since: not lapsing
    user({ id: 46, lastSeen: 2 * H }), // declining, never activated
    user({ id: 47, activated, optOut: true }), // declining, opted out
    user({ id: 48, activated, deleted: true }), // declining, deleted
    user({ id: 49, activated, lastSeen: 8 * D }), // 0 vs 3: declining at the minimum
    // Upgrade candidates.
    ...[60, 61, 62, 63, 64, 67, 68].map((id) => user({ id, lastSeen: H })),
    user({ id: 65, lastSeen: H, optOut: true }),
    user({ id: 66, lastSeen: H, deleted: true }),
    user({ id: 70 }), // never activated, but past_due: a churn signal all the same
  ]);

  let eventId = 0;
  const events = (userId: number, n: number, fromMs: number, toMs: number) =>
    Array.from({ length: n }, (_, i) => ({
      id: ++eventId,
      user_id: userId,
      name: 'feature_used',
      occurred_at: ago(fromMs - ((fromMs - toMs) * i) / Math.max(n, 1)),
    }));
  const recent = (u: number, n: number) => events(u, n, 7 * D, H); // [now − 7d, now)
  const previous = (u: number, n: number) => events(u, n, 14 * D, 7 * D + H); // [now − 14d, now − 7d)
  await db('app.events').insert([
    ...recent(40, 1),
    ...previous(40, 8),
    { id: 900, user_id: 40, name: 'login', occurred_at: new Date(NOW.getTime() + H) }, // future: ignored
    { id: 901, user_id: 40, name: 'login', occurred_at: ago(20 * D) }, // older than 14 days: ignored
    ...recent(41, 4),
    ...previous(41, 8),
    ...previous(42, 2),
    ...recent(45, 1),
    ...previous(46, 4),
    ...previous(47, 6),
    ...previous(48, 6),
    ...previous(49, 3),
    ...recent(60, 6),
    ...recent(61, 10),
    ...recent(62, 10),
    ...recent(63, 4),
    ...recent(64, 8),
    ...recent(65, 7),
    ...recent(66, 9),
    ...recent(67, 12),
    ...recent(68, 6),
  ]);

  const sub = (id: number, userId: number, status: string, mrr = 2900, planId = 2) => ({
    id,
    user_id: userId,
    plan_id: planId,
    status,
    mrr_cents: mrr,
    started_at: ago(50 * D),
    canceled_at: status === 'canceled' ? ago(5 * D) : null,
  });
  await db('app.subscriptions').insert([
    ...[1, 3, 4, 6, 7, 8].map((u) => sub(u, u, 'active')),
    sub(2, 2, 'past_due', 4900, 4), // a churn signal for user 2
    sub(5, 5, 'past_due'), // user 5 opted out
    sub(9, 9, 'canceled'),
    sub(10, 50, 'active'), // orphan: deleted user
    sub(11, 999, 'active'), // orphan: missing user
    sub(12, 10, 'incomplete'),
    sub(13, 998, 'canceled'), // missing user but not active
    sub(14, 997, 'past_due'), // missing user, past_due: not an orphan (active only), not a churn target
    sub(15, 40, 'active', 1900),
    sub(16, 41, 'active', 1900),
    sub(17, 61, 'active', 0, 1), // free plan
    sub(18, 62, 'active', 1900),
    sub(19, 64, 'trialing', 0),
    sub(20, 67, 'incomplete', 0),
    sub(21, 68, 'canceled', 1900),
    sub(22, 70, 'past_due', 1900),
  ]);

  const pay = (id: number, subscriptionId: number, over: Record<string, unknown> = {}) => ({
    id,
    subscription_id: subscriptionId,
    amount_cents: 2900,
    status: 'failed',
    failure_code: 'insufficient_funds',
    attempted_at: ago(2 * D),
    attempt_count: 1,
    next_retry_at: ago(H),
    ...over,
  });
  await db('app.payments').insert([
    pay(1, 1), // yes
    pay(2, 2, { failure_code: 'do_not_honor', attempt_count: 3, next_retry_at: null, amount_cents: 4900 }), // yes: null = due
    pay(3, 3, { failure_code: 'stolen_card' }), // hard
    pay(4, 4, { failure_code: ' Expired_Card ' }), // hard, padded and capitalized
    pay(5, 6, { attempt_count: 4 }), // exhausted
    pay(6, 7, { next_retry_at: new Date(NOW.getTime() + H) }), // not due
    pay(7, 8, { next_retry_at: NOW }), // due exactly now: yes
    pay(8, 1, { status: 'succeeded', failure_code: null }),
    pay(9, 9), // canceled subscription
    pay(10, 10), // subscription of a deleted user
    pay(11, 1, { amount_cents: -500 }), // negative
    pay(12, 3, { failure_code: null, amount_cents: 9900 }), // no code = soft: yes
    pay(13, 4, { failure_code: '', amount_cents: 1900 }), // empty code = soft: yes
    pay(14, 12), // incomplete subscription
    pay(15, 12345), // no such subscription
    pay(16, 6, { failure_code: 'Fraudulent', amount_cents: 99_900 }), // hard, large
  ]);
}

describe('target queries on a hand-built fixture', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb('targets');
    await seedFixture(t.db);
  });
  afterAll(() => t.drop());

  describe('retryable failed payments', () => {
    it('soft declines only, attempts left, due (null next_retry_at counts), live subscription; largest first', async () => {
      const rows = await queryRetryablePayments(t.db, NOW, { maxAttempts: 4, limit: 100 });
      expect(rows.map((r) => r.paymentId)).toEqual([12, 2, 1, 7, 13]);
      expect(rows[1]).toEqual({
        paymentId: 2,
        subscriptionId: 2,
        userId: 2,
        amountCents: 4900,
        failureCode: 'do_not_honor',
        attemptCount: 3,
        nextRetryAt: null,
        status: 'failed',
        cardBrand: null,
        paymentMethodRef: null,
        adviceCode: null,
      });
      expect(rows.every((r) => classifyDecline(r.failureCode) === 'soft')).toBe(true);
    });

    it('respects maxAttempts, next_retry_at against the given now, and LIMIT', async () => {
      expect((await queryRetryablePayments(t.db, NOW, { maxAttempts: 3, limit: 100 })).map((r) => r.paymentId)).toEqual(
        [12, 1, 7, 13],
      );
      expect(
        (await queryRetryablePayments(t.db, ago(H / 2), { maxAttempts: 4, limit: 100 })).map((r) => r.paymentId),
      ).toEqual([12, 2, 1, 13]);
      expect(
        (await queryRetryablePayments(t.db, new Date(NOW.getTime() + 2 * H), { maxAttempts: 4, limit: 100 })).map(
          (r) => r.paymentId,
        ),
      ).toEqual([12, 2, 1, 6, 7, 13]);
      expect((await queryRetryablePayments(t.db, NOW, { maxAttempts: 4, limit: 2 })).map((r) => r.paymentId)).toEqual([
        12, 2,
      ]);
      expect(await queryRetryablePayments(t.db, NOW, { maxAttempts: 4, limit: 0 })).toEqual([]);
      await expect(queryRetryablePayments(t.db, NOW, { maxAttempts: 4, limit: -1 })).rejects.toThrow(RangeError);
    });

    it('feeds the heal planner: one retry per row, none of them a hard decline', async () => {
      const rows = await queryRetryablePayments(t.db, NOW, { maxAttempts: 4, limit: 100 });
      const plans = planHeal({
        now: NOW,
        findings: [],
        targets: { retryablePayments: rows },
        policy: { maxAttempts: 4 },
      });
      expect(plans.map((p) => p.targetId)).toEqual(['12', '2', '1', '7', '13']);
      expect(plans.map((p) => p.params.attempt)).toEqual([2, 4, 2, 2, 2]);
    });
  });

  it('orphaned active subscriptions: missing or deleted user, by id, LIMIT', async () => {
    expect(await queryOrphanedActiveSubscriptions(t.db, { limit: 100 })).toEqual([
      { subscriptionId: 10, userId: 50, mrrCents: 2900, reason: 'deleted_user' },
      { subscriptionId: 11, userId: 999, mrrCents: 2900, reason: 'missing_user' },
    ]);
    expect((await queryOrphanedActiveSubscriptions(t.db, { limit: 1 })).map((r) => r.subscriptionId)).toEqual([10]);
  });

  it('unnormalized emails: valid, not canonical, colliding with nobody', async () => {
    expect(await queryUnnormalizedEmails(t.db, { limit: 100 })).toEqual([
      { userId: 20, email: ' Alice@Example.com ', normalizedEmail: 'alice@example.com' },
      { userId: 21, email: 'BOB@EXAMPLE.ORG', normalizedEmail: 'bob@example.org' },
    ]);
    expect((await queryUnnormalizedEmails(t.db, { limit: 1 })).map((r) => r.userId)).toEqual([20]);
  });

  it('recent non-activated signups: created [now − 14d, now − 1d), reachable, newest first', async () => {
    const rows = await queryRecentNonActivatedSignups(t.db, NOW, { limit: 100 });
    expect(rows.map((r) => r.userId)).toEqual([30, 37, 31]);
    expect(rows[0]).toEqual({ userId: 30, createdAt: ago(2 * D).toISOString() });
    expect((await queryRecentNonActivatedSignups(t.db, NOW, { limit: 2 })).map((r) => r.userId)).toEqual([30, 37]);
  });

  it('at-risk users: activated, reachable, declining (≥ 3 before) or lapsing; most previous activity first', async () => {
    const rows = await queryAtRiskUsers(t.db, NOW, { limit: 100 });
    expect(rows).toEqual([
      {
        userId: 40,
        lastSeenAt: ago(2 * H).toISOString(),
        recentEvents: 1,
        previousEvents: 8,
        signal: 'declining_activity',
      },
      {
        userId: 49,
        lastSeenAt: ago(8 * D).toISOString(),
        recentEvents: 0,
        previousEvents: 3,
        signal: 'declining_activity',
      },
      { userId: 43, lastSeenAt: ago(10 * D).toISOString(), recentEvents: 0, previousEvents: 0, signal: 'lapsing' },
    ]);
    // A stricter minimum leaves user 49 at risk only as lapsing (seen 8 days ago); a looser one adds 42 (0 vs 2).
    expect(
      (await queryAtRiskUsers(t.db, NOW, { limit: 100, minPreviousEvents: 4 })).map((r) => [r.userId, r.signal]),
    ).toEqual([
      [40, 'declining_activity'],
      [49, 'lapsing'],
      [43, 'lapsing'],
    ]);
    expect((await queryAtRiskUsers(t.db, NOW, { limit: 100, minPreviousEvents: 2 })).map((r) => r.userId)).toEqual([
      40, 49, 42, 43,
    ]);
    expect((await queryAtRiskUsers(t.db, NOW, { limit: 1 })).map((r) => r.userId)).toEqual([40]);
  });

  it('churn signals: past_due (any reachable user) or declining (activated users); past-due first', async () => {
    // Not: 5 (past_due, opted out), 997 (past_due, no user row), 46 (declining but never activated), 47, 48.
    expect(await queryChurnSignalUsers(t.db, NOW, { limit: 100 })).toEqual([
      {
        userId: 2,
        pastDue: true,
        pastDueSubscriptionId: 2,
        decliningActivity: false,
        recentEvents: 0,
        previousEvents: 0,
        mrrCents: 4900,
      },
      {
        userId: 70,
        pastDue: true,
        pastDueSubscriptionId: 22,
        decliningActivity: false,
        recentEvents: 0,
        previousEvents: 0,
        mrrCents: 1900,
      },
      {
        userId: 40,
        pastDue: false,
        pastDueSubscriptionId: null,
        decliningActivity: true,
        recentEvents: 1,
        previousEvents: 8,
        mrrCents: 1900,
      },
      {
        userId: 49,
        pastDue: false,
        pastDueSubscriptionId: null,
        decliningActivity: true,
        recentEvents: 0,
        previousEvents: 3,
        mrrCents: 0,
      },
    ]);
    expect((await queryChurnSignalUsers(t.db, NOW, { limit: 3 })).map((r) => r.userId)).toEqual([2, 70, 40]);
  });

  it('upgrade candidates: active in the last 14 days, free/lowest plan or none; offered the cheapest monthly plan above', async () => {
    const rows = await queryUpgradeCandidates(t.db, NOW, { limit: 100, minEvents: 5 });
    // Not: 62 (pays for starter), 63 (4 events), 64 (trialing), 65 (opted out), 66 (deleted), 67 (incomplete),
    // 40 and 41 (pay for starter, although active enough).
    expect(rows).toEqual([
      { userId: 61, events: 10, currentMrrCents: 0, offerPlanId: 2, offerPlanName: 'starter', offerMrrCents: 1900 },
      { userId: 60, events: 6, currentMrrCents: 0, offerPlanId: 2, offerPlanName: 'starter', offerMrrCents: 1900 },
      { userId: 68, events: 6, currentMrrCents: 0, offerPlanId: 2, offerPlanName: 'starter', offerMrrCents: 1900 },
    ]);
    expect((await queryUpgradeCandidates(t.db, NOW, { limit: 100, minEvents: 10 })).map((r) => r.userId)).toEqual([61]);
    expect((await queryUpgradeCandidates(t.db, NOW, { limit: 1, minEvents: 5 })).map((r) => r.userId)).toEqual([61]);
  });

  it('skips users who received an executed message since contactedSince, and only those', async () => {
    await t.db('engine.cycles').insert({
      id: 'cycle-old',
      kind: 'cycle',
      trigger: 'api',
      dry_run: false,
      phases: ['optimize'],
      logical_now: ago(10 * D),
    });
    const action = (id: string, type: string, userId: number, status: string, executedAt: Date | null) => ({
      id,
      cycle_id: 'cycle-old',
      phase: 'optimize',
      type,
      target_type: 'user',
      target_id: String(userId),
      detection_confidence: 1,
      confidence: 1,
      mode: 'auto',
      status,
      dry_run: false,
      executed_at: executedAt,
    });
    await t.db('engine.actions').insert([
      action('a1', 'retention_campaign', 40, 'executed', ago(2 * D)), // recent message: skipped
      action('a2', 'onboarding_nudge', 49, 'pending_approval', null), // never sent
      action('a3', 'upgrade_offer', 43, 'executed', ago(10 * D)), // before the window
      action('a4', 'normalize_email', 30, 'executed', ago(D)), // not a message
      action('a5', 'upgrade_offer', 37, 'executed', ago(D)),
      action('a6', 'proactive_retention', 61, 'executed', ago(D)),
    ]);
    const since = ago(7 * D);
    expect((await queryAtRiskUsers(t.db, NOW, { limit: 100, contactedSince: since })).map((r) => r.userId)).toEqual([
      49, 43,
    ]);
    expect(
      (await queryRecentNonActivatedSignups(t.db, NOW, { limit: 100, contactedSince: since })).map((r) => r.userId),
    ).toEqual([30, 31]);
    expect(
      (await queryChurnSignalUsers(t.db, NOW, { limit: 100, contactedSince: since })).map((r) => r.userId),
    ).toEqual([2, 70, 49]);
    expect(
      (await queryUpgradeCandidates(t.db, NOW, { limit: 100, minEvents: 5, contactedSince: since })).map(
        (r) => r.userId,
      ),
    ).toEqual([60, 68]);
  });
});

describe('target queries on the demo data agree with the detectors', () => {
  let t: TestDb;
  let manifest: SeedManifest;
  const seedNow = new Date('2026-11-20T09:00:00.000Z');
  beforeAll(async () => {
    t = await createTestDb('targets-seed');
    manifest = await seedDemoData(t.db, { users: 3000, seed: 42, now: seedNow });
  }, 300_000);
  afterAll(() => t.drop());

  it('retryable payments, orphans and unnormalized emails: exactly the planted counts, no hard decline', async () => {
    const p = manifest.planted;
    const retryable = await queryRetryablePayments(t.db, seedNow, { maxAttempts: 4, limit: 10_000 });
    expect(retryable).toHaveLength(p.retryableFailedPayments);
    expect(retryable.every((r) => classifyDecline(r.failureCode) === 'soft' && r.attemptCount < 4)).toBe(true);
    expect(await queryOrphanedActiveSubscriptions(t.db, { limit: 10_000 })).toHaveLength(p.orphanedActiveSubscriptions);
    expect(await queryUnnormalizedEmails(t.db, { limit: 10_000 })).toHaveLength(p.unnormalizedEmails);

    // The same records the detectors sampled.
    const findings = await runAllDetectors(t.db, seedNow, { maxAttempts: 4, sampleSize: 10_000 });
    const sample = (fp: string) =>
      [...(findings.find((f) => f.fingerprint === fp)?.evidence.sampleIds ?? [])].map(Number).sort((a, b) => a - b);
    expect(retryable.map((r) => r.paymentId).sort((a, b) => a - b)).toEqual(
      sample('billing:retryable_failed_payments'),
    );
  });

  it('every message query returns bounded, distinct, deterministic rows', async () => {
    const queries = [
      () => queryRecentNonActivatedSignups(t.db, seedNow, { limit: 50 }),
      () => queryAtRiskUsers(t.db, seedNow, { limit: 50 }),
      () => queryChurnSignalUsers(t.db, seedNow, { limit: 50 }),
      () => queryUpgradeCandidates(t.db, seedNow, { limit: 50 }),
    ];
    for (const q of queries) {
      const a = await q();
      expect(a.length).toBeGreaterThan(0);
      expect(a.length).toBeLessThanOrEqual(50);
      expect(new Set(a.map((r) => r.userId)).size).toBe(a.length);
      expect(await q()).toEqual(a);
    }
  });
});
