// Detectors and the findings store against a real PostgreSQL: a hand-built fixture with exactly known
// problems, the demo-data generator's manifest (every planted count found exactly), and recordFindings'
// merge / resolve / idempotency rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db';
import type { Db } from '../../db/knex';
import {
  detectBillingFailures,
  detectDataQuality,
  detectOrphanedRecords,
  detectSystemHealth,
  detectorScope,
  HEALTH_SCOPE,
  runAllDetectors,
  runHealthDetectors,
} from '../../db/queries/detectors';
import { getFindingsByFingerprint, listCycleFindings, listOpenFindings, recordFindings } from '../../db/repos/findings';
import type { DetectedFinding, KpiResult } from '../../engine/types';
import { seedDemoData } from '../../scripts/seed/generate';
import type { SeedManifest } from '../../scripts/seed/manifest';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const H = 3_600_000;
const at = (hoursFromNow: number) => new Date(NOW.getTime() + hoursFromNow * H);

/** Fixture problems, each with an exactly known count (see the comments on each row group). */
async function seedFixture(db: Db): Promise<void> {
  await db('app.plans').insert([
    { id: 1, name: 'pro', price_cents: 2900, interval: 'month' },
    { id: 2, name: 'team', price_cents: 9900, interval: 'month' },
  ]);
  const user = (id: number, email: string | null, deleted = false) => ({
    id,
    email,
    created_at: at(-24 * 60),
    activated_at: at(-24 * 59),
    last_seen_at: at(-1),
    acquisition_channel: 'organic',
    deleted_at: deleted ? at(-24) : null,
  });
  await db('app.users').insert([
    ...Array.from({ length: 20 }, (_, i) => user(i + 1, `user${i + 1}@example.com`)),
    user(21, null), // null email ×2
    user(22, null),
    user(23, 'not-an-email'), // malformed ×3
    user(24, 'foo@bar'),
    user(25, '  @x.com'),
    user(26, ' Alice@Example.com '), // unnormalized, unique after normalizing ×2
    user(27, 'BOB@EXAMPLE.ORG'),
    user(28, 'USER1@example.com'), // collides with user 1: a duplicate, not "unnormalized"
    user(29, 'dup@example.com'), // duplicate group of 3 (30 is unnormalized but collides)
    user(30, 'Dup@Example.com'),
    user(31, 'dup@example.com'),
    user(32, 'user2@example.com', true), // deleted: not a live duplicate of user 2
    user(33, 'deleted@example.com', true),
  ]);
  await db('app.events').insert([
    { id: 1, user_id: 1, name: 'login', occurred_at: at(-1) },
    { id: 2, user_id: 2, name: 'login', occurred_at: at(-30) },
    { id: 3, user_id: 3, name: 'login', occurred_at: at(-200) },
    { id: 1001, user_id: 4, name: 'login', occurred_at: at(48) }, // future ×2
    { id: 1002, user_id: 5, name: 'login', occurred_at: at(24 * 30) },
  ]);
  const sub = (id: number, userId: number, planId: number | null, status: string) => ({
    id,
    user_id: userId,
    plan_id: planId,
    status,
    mrr_cents: status === 'active' ? 2900 : 0,
    started_at: at(-24 * 50),
    canceled_at: status === 'canceled' ? at(-24 * 5) : null,
  });
  await db('app.subscriptions').insert([
    ...Array.from({ length: 10 }, (_, i) => sub(i + 1, i + 1, 1, 'active')),
    sub(11, 999, 1, 'active'), // orphan: user missing
    sub(12, 33, 2, 'active'), // orphan: user deleted
    sub(13, 32, 1, 'canceled'), // deleted user but not active: fine
    sub(14, 11, 77, 'active'), // plan missing (active)
    sub(15, 12, null, 'canceled'), // plan missing (null)
  ]);
  const pay = (
    id: number,
    subscriptionId: number,
    amount: number,
    status: string,
    extra: Record<string, unknown> = {},
  ) => ({
    id,
    subscription_id: subscriptionId,
    amount_cents: amount,
    status,
    attempted_at: at(-24 * 3),
    attempt_count: 1,
    failure_code: null,
    next_retry_at: null,
    ...extra,
  });
  await db('app.payments').insert([
    ...Array.from({ length: 10 }, (_, i) => pay(i + 1, i + 1, 2900, 'succeeded')),
    pay(11, 1, -500, 'refunded'), // negative amount ×1
    pay(12, 555, 2900, 'succeeded'), // subscription missing ×1
    // retryable ×3: soft, attempts < 4, due
    pay(20, 2, 2900, 'failed', { failure_code: 'insufficient_funds', attempt_count: 1, next_retry_at: at(-1) }),
    pay(21, 3, 2900, 'failed', { failure_code: null, attempt_count: 2, next_retry_at: at(0) }),
    pay(22, 4, 9900, 'failed', { failure_code: 'DO_NOT_HONOR', attempt_count: 3, next_retry_at: at(-5) }),
    // soft, not due ×1
    pay(23, 5, 2900, 'failed', { failure_code: 'processing_error', attempt_count: 1, next_retry_at: at(2) }),
    // soft, exhausted ×2
    pay(24, 6, 2900, 'failed', { failure_code: 'insufficient_funds', attempt_count: 4, next_retry_at: at(-1) }),
    pay(25, 7, 2900, 'failed', { failure_code: 'try_again_later', attempt_count: 5 }),
    // hard ×2
    pay(26, 8, 2900, 'failed', { failure_code: 'expired_card', attempt_count: 1, next_retry_at: at(-1) }),
    pay(27, 9, 2900, 'failed', { failure_code: 'stolen_card', attempt_count: 1 }),
    // pending: stuck ×1 (30h), fresh ×1 (2h)
    pay(30, 10, 2900, 'pending', { attempted_at: at(-30) }),
    pay(31, 10, 2900, 'pending', { attempted_at: at(-2) }),
  ]);
}

async function insertCycle(db: Db, id: string, now: Date, kind = 'cycle'): Promise<void> {
  await db('engine.cycles').insert({ id, kind, trigger: 'api', dry_run: true, phases: ['analyze'], logical_now: now });
}

function byFp(findings: DetectedFinding[]): Map<string, DetectedFinding> {
  return new Map(findings.map((f) => [f.fingerprint, f]));
}

describe('detectors on a fixture with known problems', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb('detectors-fixture');
    await seedFixture(t.db);
  });
  afterAll(() => t.drop());

  it('data quality: exact counts, smallest ids as samples', async () => {
    const f = byFp(await detectDataQuality(t.db, NOW));
    expect([...f.keys()].sort()).toEqual(
      [
        'data_quality:duplicate_email',
        'data_quality:future_event_timestamps',
        'data_quality:malformed_email',
        'data_quality:negative_payment_amounts',
        'data_quality:null_email',
        'data_quality:subscription_missing_plan',
        'data_quality:unnormalized_email',
      ].sort(),
    );
    expect(f.get('data_quality:null_email')!.evidence).toMatchObject({ count: 2, sampleIds: [21, 22], totalUsers: 33 });
    expect(f.get('data_quality:null_email')!.severity).toBe('medium'); // 2/33 ≥ 1%
    expect(f.get('data_quality:malformed_email')!.evidence).toMatchObject({ count: 3, sampleIds: [23, 24, 25] });
    expect(f.get('data_quality:unnormalized_email')!.evidence).toMatchObject({ count: 2, sampleIds: [26, 27] });
    expect(f.get('data_quality:duplicate_email')!.evidence).toMatchObject({
      count: 5,
      groups: 2,
      sampleIds: [1, 28, 29, 30, 31],
      sampleGroups: [
        [1, 28],
        [29, 30, 31],
      ],
    });
    expect(f.get('data_quality:future_event_timestamps')!.evidence).toMatchObject({
      count: 2,
      sampleIds: [1001, 1002],
      latestOccurredAt: at(24 * 30).toISOString(),
    });
    expect(f.get('data_quality:subscription_missing_plan')!).toMatchObject({
      severity: 'high',
      evidence: { count: 2, sampleIds: [14, 15], active: 1, activeMrrCents: 2900 },
    });
    expect(f.get('data_quality:negative_payment_amounts')!.evidence).toMatchObject({
      count: 1,
      sampleIds: [11],
      totalAmountCents: -500,
    });
    for (const finding of f.values()) {
      expect(finding).toMatchObject({ detector: 'data_quality', category: 'issue', confidence: 1 });
    }
  });

  it('orphaned records: active subscriptions of missing/deleted users, payments of missing subscriptions', async () => {
    const f = byFp(await detectOrphanedRecords(t.db, NOW));
    expect(f.get('orphaned_records:active_subscription_without_user')).toMatchObject({
      severity: 'high',
      confidence: 1,
      evidence: { count: 2, sampleIds: [11, 12], missingUser: 1, deletedUser: 1, mrrCents: 5800 },
    });
    expect(f.get('orphaned_records:payment_without_subscription')!.evidence).toMatchObject({
      count: 1,
      sampleIds: [12],
      amountCents: 2900,
    });
    expect(f.size).toBe(2);
  });

  it('billing: retryable soft declines due, hard declines, exhausted soft declines', async () => {
    const f = byFp(await detectBillingFailures(t.db, NOW, { maxAttempts: 4 }));
    expect(f.get('billing:retryable_failed_payments')).toMatchObject({
      severity: 'medium',
      evidence: {
        count: 3,
        sampleIds: [20, 21, 22],
        amountCents: 2900 + 2900 + 9900,
        byCode: { insufficient_funds: 1, generic: 1, do_not_honor: 1 },
        notDue: 1,
        maxAttempts: 4,
      },
    });
    expect(f.get('billing:hard_declines')!.evidence).toMatchObject({
      count: 2,
      sampleIds: [26, 27],
      byCode: { expired_card: 1, stolen_card: 1 },
    });
    expect(f.get('billing:soft_declines_exhausted')!.evidence).toMatchObject({ count: 2, sampleIds: [24, 25] });
    // maxAttempts is the policy's: with 6 allowed, payment 24 (4 attempts, due) becomes retryable.
    const relaxed = byFp(await detectBillingFailures(t.db, NOW, { maxAttempts: 6 }));
    expect(relaxed.get('billing:retryable_failed_payments')!.evidence).toMatchObject({
      count: 4,
      sampleIds: [20, 21, 22, 24],
    });
    expect(relaxed.has('billing:soft_declines_exhausted')).toBe(false);
  });

  it('system health: stuck payments; freshness only when no event in the window', async () => {
    const f = byFp(await detectSystemHealth(t.db, NOW));
    expect([...f.keys()]).toEqual(['system_health:stuck_payments']);
    expect(f.get('system_health:stuck_payments')).toMatchObject({
      severity: 'high',
      evidence: { count: 1, sampleIds: [30], amountCents: 2900 },
    });

    // Ten hours later the last real event (1h before NOW) is 11h old; future-dated events do not count.
    const later = byFp(await runHealthDetectors(t.db, at(10)));
    expect(later.get('system_health:event_freshness')).toMatchObject({
      severity: 'critical',
      confidence: 1,
      evidence: { lastEventAt: at(-1).toISOString(), hoursSinceLastEvent: 11, windowHours: 6 },
    });
    // A wider window sees that event again.
    expect(
      byFp(await runHealthDetectors(t.db, at(10), { freshnessHours: 12 })).has('system_health:event_freshness'),
    ).toBe(false);
  });

  it('runAllDetectors: every group in one snapshot, KPI findings only when KPIs are given', async () => {
    const all = await runAllDetectors(t.db, NOW);
    expect(all.map((f) => f.detector).filter((d) => d === 'kpi')).toEqual([]);
    expect(all).toHaveLength(7 + 2 + 3 + 1);
    expect(new Set(all.map((f) => f.fingerprint)).size).toBe(all.length);
    expect(detectorScope()).toEqual(['system_health', 'data_quality', 'orphaned_records', 'billing']);

    const kpis: KpiResult[] = [
      {
        name: 'activation_rate',
        value: 0.3,
        target: 0.4,
        sampleSize: 100,
        interval: [0.22, 0.4],
        status: 'below_target',
        details: { numerator: 30 },
      },
      {
        name: 'd7_retention',
        value: 0.3,
        target: 0.25,
        sampleSize: 100,
        interval: [0.22, 0.4],
        status: 'ok',
        details: {},
      },
      {
        name: 'signup_to_activation',
        value: null,
        target: 0.4,
        sampleSize: 5,
        interval: null,
        status: 'insufficient_data',
        details: {},
      },
    ];
    const withKpis = await runAllDetectors(t.db, NOW, { kpis });
    const kpiFindings = withKpis.filter((f) => f.detector === 'kpi');
    expect(kpiFindings.map((f) => f.fingerprint)).toEqual(['kpi_below_target:activation_rate']);
    expect(detectorScope({ kpis })).toContain('kpi');
  });
});

describe('recordFindings: one finding per problem across cycles', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb('findings-store');
    await seedFixture(t.db);
  });
  afterAll(() => t.drop());

  const snapshot = async (db: Db) => ({
    findings: await db('engine.findings').orderBy('id'),
    cycleFindings: await db('engine.cycle_findings').orderBy(['cycle_id', 'finding_id']),
    audit: await db('engine.audit_log')
      .select('cycle_id', 'event', 'target', 'dedupe_key', 'before', 'after')
      .orderBy('id'),
  });

  it('merges sightings, resolves what disappeared, reopens what came back, and is idempotent per cycle', async () => {
    const db = t.db;
    const scope = detectorScope();

    // Cycle A: everything is new.
    await insertCycle(db, 'cycle-a', NOW);
    const detectedA = await runAllDetectors(db, NOW);
    const a = await recordFindings(db, 'cycle-a', NOW, detectedA, { scope });
    expect(a).toMatchObject({ opened: 13, updated: 0, resolved: 0 });
    expect(a.findings).toHaveLength(13);
    expect(
      a.findings.every((f) => f.occurrences === 1 && f.status === 'open' && f.firstSeenAt === NOW.toISOString()),
    ).toBe(true);
    expect(await db('engine.cycle_findings').where({ cycle_id: 'cycle-a' }).count({ n: '*' })).toEqual([{ n: 13 }]);
    expect(
      await db('engine.audit_log').where({ cycle_id: 'cycle-a', event: 'finding.opened' }).count({ n: '*' }),
    ).toEqual([{ n: 13 }]);

    // The stuck payment settles between the cycles.
    await db('app.payments').where({ id: 30 }).update({ status: 'succeeded' });

    // Cycle B, 4 hours later: same problems again except the stuck payment.
    const tB = at(4);
    await insertCycle(db, 'cycle-b', tB);
    const detectedB = await runAllDetectors(db, tB);
    const b = await recordFindings(db, 'cycle-b', tB, detectedB, { scope });
    expect(b).toMatchObject({ opened: 0, updated: 12, resolved: 1 });
    expect(b.changes).toEqual([{ fingerprint: 'system_health:stuck_payments', change: 'resolved' }]);
    const [malformed] = await getFindingsByFingerprint(db, ['data_quality:malformed_email']);
    expect(malformed).toMatchObject({
      status: 'open',
      occurrences: 2,
      firstSeenAt: NOW.toISOString(),
      lastSeenAt: tB.toISOString(),
      firstCycleId: 'cycle-a',
      lastCycleId: 'cycle-b',
      evidence: { count: 3 },
    });
    const [stuck] = await getFindingsByFingerprint(db, ['system_health:stuck_payments']);
    expect(stuck).toMatchObject({
      status: 'resolved',
      occurrences: 1,
      resolvedAt: tB.toISOString(),
      resolvedCycleId: 'cycle-b',
      lastSeenAt: NOW.toISOString(),
    });
    expect(b.resolvedFindings.map((f) => f.fingerprint)).toEqual(['system_health:stuck_payments']);
    expect((await listCycleFindings(db, 'cycle-b')).map((f) => f.fingerprint)).not.toContain(
      'system_health:stuck_payments',
    );

    // Recording cycle B again (a retried activity) changes nothing and reports the same counts.
    const before = await snapshot(db);
    const again = await recordFindings(db, 'cycle-b', tB, detectedB, { scope });
    expect(await snapshot(db)).toEqual(before);
    expect(again).toMatchObject({ opened: 0, updated: 12, resolved: 1 });
    expect(again.findings).toEqual(b.findings);

    // An hourly monitor covers system_health only: it must not resolve the data-quality findings.
    const tM = at(4.5);
    await insertCycle(db, 'monitor-1', tM, 'monitor');
    const m = await recordFindings(db, 'monitor-1', tM, await runHealthDetectors(db, tM), { scope: HEALTH_SCOPE });
    expect(m).toMatchObject({ opened: 0, updated: 0, resolved: 0 });
    expect((await listOpenFindings(db)).length).toBe(12);

    // The payment gets stuck again (and events keep flowing): cycle C reopens the finding, one more occurrence.
    await db('app.payments').where({ id: 30 }).update({ status: 'pending' });
    await db('app.events').insert({ id: 4, user_id: 1, name: 'login', occurred_at: at(7) });
    const tC = at(8);
    await insertCycle(db, 'cycle-c', tC);
    const c = await recordFindings(db, 'cycle-c', tC, await runAllDetectors(db, tC), { scope });
    expect(c).toMatchObject({ opened: 1, updated: 12, resolved: 0 });
    expect(c.changes).toEqual([{ fingerprint: 'system_health:stuck_payments', change: 'reopened' }]);
    const [reopened] = await getFindingsByFingerprint(db, ['system_health:stuck_payments']);
    expect(reopened).toMatchObject({
      status: 'open',
      occurrences: 2,
      resolvedAt: null,
      resolvedCycleId: null,
      lastCycleId: 'cycle-c',
    });
    expect(reopened!.firstSeenAt).toBe(NOW.toISOString());
  });

  it('lists open findings most severe first and filters by category', async () => {
    const open = await listOpenFindings(t.db);
    const rank = { critical: 0, high: 1, medium: 2, low: 3, info: 4 } as const;
    const ranks = open.map((f) => rank[f.severity]);
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
    expect(open[0]!.severity).toBe('high');
    expect(await listOpenFindings(t.db, { category: 'opportunity' })).toEqual([]);
    expect((await listOpenFindings(t.db, { detector: 'billing' })).map((f) => f.kind).sort()).toEqual([
      'hard_declines',
      'retryable_failed_payments',
      'soft_declines_exhausted',
    ]);
  });

  it('rejects findings outside the scope, duplicate fingerprints and unknown cycles', async () => {
    const f: DetectedFinding = {
      fingerprint: 'billing:hard_declines',
      detector: 'billing',
      kind: 'hard_declines',
      category: 'issue',
      severity: 'medium',
      confidence: 1,
      title: 't',
      evidence: { count: 1, sampleIds: [] },
    };
    await expect(recordFindings(t.db, 'cycle-a', NOW, [f], { scope: HEALTH_SCOPE })).rejects.toThrow(
      /outside the run's scope/,
    );
    await expect(recordFindings(t.db, 'cycle-a', NOW, [f, f], { scope: ['billing'] })).rejects.toThrow(
      /duplicate fingerprint/,
    );
    await expect(recordFindings(t.db, 'no-such-cycle', NOW, [f], { scope: ['billing'] })).rejects.toThrow(
      /does not exist/,
    );
  });
});

describe('detectors on the demo data: every planted count found exactly', () => {
  let t: TestDb;
  let manifest: SeedManifest;
  let found: Map<string, DetectedFinding>;
  const seedNow = new Date('2026-11-20T09:00:00.000Z');
  beforeAll(async () => {
    t = await createTestDb('detectors-seed');
    manifest = await seedDemoData(t.db, { users: 3000, seed: 42, now: seedNow });
    found = byFp(await runAllDetectors(t.db, seedNow, { maxAttempts: 4 }));
  }, 300_000);
  afterAll(() => t.drop());

  const count = (fp: string) => found.get(fp)?.evidence.count ?? 0;

  it('data quality', () => {
    const p = manifest.planted;
    expect(p.nullEmails).toBeGreaterThan(0);
    expect(count('data_quality:null_email')).toBe(p.nullEmails);
    expect(count('data_quality:malformed_email')).toBe(p.malformedEmails);
    expect(count('data_quality:unnormalized_email')).toBe(p.unnormalizedEmails);
    expect(count('data_quality:duplicate_email')).toBe(p.duplicateEmailUsers);
    expect(found.get('data_quality:duplicate_email')!.evidence.groups).toBe(p.duplicateEmailGroups);
    expect(count('data_quality:future_event_timestamps')).toBe(p.futureEvents);
    expect(count('data_quality:subscription_missing_plan')).toBe(p.subscriptionsMissingPlan);
    expect(count('data_quality:negative_payment_amounts')).toBe(p.negativeAmounts);
    expect(found.get('data_quality:null_email')!.evidence.totalUsers).toBe(manifest.counts.users);
  });

  it('orphaned records', () => {
    expect(count('orphaned_records:active_subscription_without_user')).toBe(
      manifest.planted.orphanedActiveSubscriptions,
    );
    // The generator plants no payment without a subscription.
    expect(found.has('orphaned_records:payment_without_subscription')).toBe(false);
  });

  it('billing', () => {
    const p = manifest.planted;
    expect(count('billing:retryable_failed_payments')).toBe(p.retryableFailedPayments);
    expect(found.get('billing:retryable_failed_payments')!.evidence.notDue).toBe(p.softDeclinesNotDue);
    expect(count('billing:soft_declines_exhausted')).toBe(p.softDeclinesExhausted);
    expect(count('billing:hard_declines')).toBe(p.hardDeclines);
  });

  it('system health: stuck payments found, events fresh at the seed time', () => {
    expect(count('system_health:stuck_payments')).toBe(manifest.planted.stuckPayments);
    expect(found.has('system_health:event_freshness')).toBe(false);
  });

  it('samples are real ids of the flagged rows', async () => {
    const nul = found.get('data_quality:null_email')!.evidence.sampleIds as number[];
    expect(nul).toHaveLength(Math.min(10, manifest.planted.nullEmails));
    const rows = await t.db('app.users').whereIn('id', nul).select('email');
    expect(rows.map((r) => r.email)).toEqual(nul.map(() => null));
    const due = found.get('billing:retryable_failed_payments')!.evidence.sampleIds as number[];
    const pays = await t.db('app.payments').whereIn('id', due).select('status', 'next_retry_at', 'attempt_count');
    expect(pays).toHaveLength(due.length);
    for (const pay of pays) {
      expect(pay.status).toBe('failed');
      expect(pay.attempt_count).toBeLessThan(4);
      expect(new Date(pay.next_retry_at).getTime()).toBeLessThanOrEqual(seedNow.getTime());
    }
  });
});
