// measureOutcomes against real PostgreSQL: executed actions of every measured type whose app rows make
// some succeed and some fail (window edges included), posteriors updated exactly, a second call counting
// nothing twice, and actions that are not due, not measurable or mistargeted left alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listActionStats } from '../../db/repos/action-stats';
import { measureOutcomes } from '../../db/repos/action-stats';
import { outcomesMeasuredAt } from '../../db/repos/actions';
import { createTestDb, type TestDb } from '../helpers/db';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const N = Date.parse('2026-11-25T06:00:00.000Z');
const NOW = new Date(N);
const d = (ms: number) => new Date(ms);
const T = N - 10 * DAY; // executed_at of the 7-day actions
const U = N - 20 * DAY; // executed_at of the upgrade offers

let t: TestDb;

type ActionRow = {
  id: string;
  type: string;
  target_type: string;
  target_id: string;
  status?: string;
  executed_at: Date | null;
  outcome_due_at: Date;
  outcome?: string | null;
  dry_run?: boolean;
};

const actions: ActionRow[] = [];
const act = (
  id: string,
  type: string,
  targetType: string,
  targetId: string | number,
  executedAt: number,
  dueAt: number,
  over: Partial<ActionRow> = {},
) =>
  actions.push({
    id,
    type,
    target_type: targetType,
    target_id: String(targetId),
    executed_at: d(executedAt),
    outcome_due_at: d(dueAt),
    ...over,
  });

// retry_payment: judged on the payment's status at measurement.
act('r1', 'retry_payment', 'payment', 1, T, T + DAY); // succeeded → success
act('r2', 'retry_payment', 'payment', 2, T, T + DAY); // failed → failure
act('r3', 'retry_payment', 'payment', 3, N - 2 * DAY, N - DAY); // pending, inside the 3-day grace → skipped
act('r4', 'retry_payment', 'payment', 4, N - 5 * DAY, N - 4 * DAY); // pending past the grace → failure
act('r5', 'retry_payment', 'payment', 999, T, T + DAY); // payment missing → failure
// onboarding_nudge: activated in [T, T + 7d].
act('n1', 'onboarding_nudge', 'user', 1, T, T + 7 * DAY); // activated T + 3d → success
act('n2', 'onboarding_nudge', 'user', 2, T, T + 7 * DAY); // activated exactly T + 7d → success
act('n3', 'onboarding_nudge', 'user', 3, T, T + 7 * DAY); // T + 7d + 1s → failure
act('n4', 'onboarding_nudge', 'user', 4, T, T + 7 * DAY); // activated before the nudge → failure
act('n5', 'onboarding_nudge', 'user', 5, T, T + 7 * DAY); // never → failure
act('n6', 'onboarding_nudge', 'user', 6, N - 5 * DAY, N - DAY); // due too early: window still open → skipped
act('m1', 'onboarding_nudge', 'payment', 1, T, T + 7 * DAY); // wrong target type → skipped
// retention campaigns: an event in [T, T + 7d].
act('c1', 'retention_campaign', 'user', 10, T, T + 7 * DAY); // event at T + 2d → success
act('c2', 'retention_campaign', 'user', 11, T, T + 7 * DAY); // events at T − 1h and T + 8d only → failure
act('p1', 'proactive_retention', 'user', 12, T, T + 7 * DAY); // event exactly at T + 7d → success
// upgrade_offer: a paid subscription with higher MRR started in [U, U + 14d].
act('u1', 'upgrade_offer', 'user', 20, U, U + 14 * DAY); // 2900 → 9900 at U + 5d → success
act('u2', 'upgrade_offer', 'user', 21, U, U + 14 * DAY); // 9900 → 2900 (downgrade) → failure
act('u3', 'upgrade_offer', 'user', 22, U, U + 14 * DAY); // only a trialing subscription → failure
act('u4', 'upgrade_offer', 'user', 23, U, U + 14 * DAY); // first paid plan exactly at U + 14d → success
// Left alone:
act('x1', 'data_fix_review', 'finding', 7, T, T + DAY); // no success signal → skipped (not measurable)
act('f1', 'onboarding_nudge', 'user', 7, N - 6 * DAY, N + DAY); // not due yet
act('o1', 'retry_payment', 'payment', 1, T, T + DAY, { outcome: 'success' }); // measured before
act('s1', 'retry_payment', 'payment', 1, T, T + DAY, { status: 'dry_run', executed_at: null, dry_run: true }); // never executed

beforeAll(async () => {
  t = await createTestDb('learning-outcomes');
  const db = t.db;
  await db('engine.cycles').insert({
    id: 'cycle-1',
    kind: 'cycle',
    trigger: 'api',
    dry_run: false,
    phases: ['learn'],
    logical_now: NOW,
  });
  await db('engine.actions').insert(
    actions.map((a) => ({
      id: a.id,
      cycle_id: 'cycle-1',
      phase: 'heal',
      type: a.type,
      target_type: a.target_type,
      target_id: a.target_id,
      detection_confidence: 1,
      confidence: 0.9,
      mode: 'auto',
      status: a.status ?? 'executed',
      dry_run: a.dry_run ?? false,
      executed_at: a.executed_at,
      outcome_due_at: a.outcome_due_at,
      outcome: a.outcome ?? null,
      outcome_measured_at: a.outcome ? d(T + 2 * DAY) : null,
    })),
  );
  // Start from known posteriors only, not the migration's priors.
  await db('engine.action_stats').del();
  await db('engine.action_stats').insert({
    action_type: 'retry_payment',
    alpha: 5,
    beta: 3,
    successes: 4,
    failures: 2,
  });

  const pay = (id: number, status: string) => ({
    id,
    subscription_id: 1,
    amount_cents: 2900,
    status,
    attempted_at: d(T),
    attempt_count: 2,
  });
  await db('app.payments').insert([pay(1, 'succeeded'), pay(2, 'failed'), pay(3, 'pending'), pay(4, 'pending')]);

  const user = (id: number, activated: number | null) => ({
    id,
    email: `u${id}@example.com`,
    created_at: d(T - 3 * DAY),
    activated_at: activated == null ? null : d(activated),
  });
  await db('app.users').insert([
    user(1, T + 3 * DAY),
    user(2, T + 7 * DAY),
    user(3, T + 7 * DAY + 1000),
    user(4, T - DAY),
    user(5, null),
    user(6, null),
    user(7, N - DAY),
    ...[10, 11, 12, 20, 21, 22, 23].map((id) => user(id, null)),
  ]);
  const ev = (id: number, userId: number, at: number) => ({ id, user_id: userId, name: 'session', occurred_at: d(at) });
  await db('app.events').insert([
    ev(1, 10, T + 2 * DAY),
    ev(2, 11, T - HOUR),
    ev(3, 11, T + 8 * DAY),
    ev(4, 12, T + 7 * DAY),
  ]);
  const sub = (
    id: number,
    userId: number,
    status: string,
    mrr: number,
    started: number,
    canceled: number | null = null,
  ) => ({
    id,
    user_id: userId,
    plan_id: 1,
    status,
    mrr_cents: mrr,
    started_at: d(started),
    canceled_at: canceled == null ? null : d(canceled),
  });
  await db('app.subscriptions').insert([
    sub(1, 20, 'canceled', 2900, U - 60 * DAY, U + 5 * DAY),
    sub(2, 20, 'active', 9900, U + 5 * DAY),
    sub(3, 21, 'canceled', 9900, U - 60 * DAY, U + 5 * DAY),
    sub(4, 21, 'active', 2900, U + 5 * DAY),
    sub(5, 22, 'trialing', 9900, U + 3 * DAY),
    sub(6, 23, 'active', 2900, U + 14 * DAY),
  ]);
});

afterAll(() => t?.drop());

async function outcomes(): Promise<Record<string, string | null>> {
  const rows = await t.db('engine.actions').select('id', 'outcome').orderBy('id');
  return Object.fromEntries(rows.map((r: { id: string; outcome: string | null }) => [r.id, r.outcome]));
}

async function stats() {
  return Object.fromEntries(
    (await listActionStats(t.db)).map((s) => [
      s.actionType,
      { alpha: s.alpha, beta: s.beta, successes: s.successes, failures: s.failures },
    ]),
  );
}

describe('measureOutcomes', () => {
  it('records each due outcome and adds exactly those to the posteriors', async () => {
    const r = await measureOutcomes(t.db, NOW);
    expect(r.measured).toBe(16);
    expect(r.byType).toEqual({
      retry_payment: {
        success: 1,
        failure: 3,
        prior: { alpha: 5, beta: 3 },
        posterior: { alpha: 6, beta: 6 },
        holdout: { success: 0, failure: 0 },
      },
      onboarding_nudge: {
        success: 2,
        failure: 3,
        prior: { alpha: 1, beta: 1 },
        posterior: { alpha: 3, beta: 4 },
        holdout: { success: 0, failure: 0 },
      },
      retention_campaign: {
        success: 1,
        failure: 1,
        prior: { alpha: 1, beta: 1 },
        posterior: { alpha: 2, beta: 2 },
        holdout: { success: 0, failure: 0 },
      },
      proactive_retention: {
        success: 1,
        failure: 0,
        prior: { alpha: 1, beta: 1 },
        posterior: { alpha: 2, beta: 1 },
        holdout: { success: 0, failure: 0 },
      },
      upgrade_offer: {
        success: 2,
        failure: 2,
        prior: { alpha: 1, beta: 1 },
        posterior: { alpha: 3, beta: 3 },
        holdout: { success: 0, failure: 0 },
      },
    });
    expect(r.skipped).toEqual({
      retry_payment: { payment_pending: 1 },
      onboarding_nudge: { window_open: 1, target_mismatch: 1 },
      data_fix_review: { not_measurable: 1 },
    });
    expect(await outcomes()).toEqual({
      c1: 'success',
      c2: 'failure',
      f1: null,
      m1: null,
      n1: 'success',
      n2: 'success',
      n3: 'failure',
      n4: 'failure',
      n5: 'failure',
      n6: null,
      o1: 'success',
      p1: 'success',
      r1: 'success',
      r2: 'failure',
      r3: null,
      r4: 'failure',
      r5: 'failure',
      s1: null,
      u1: 'success',
      u2: 'failure',
      u3: 'failure',
      u4: 'success',
      x1: null,
    });
    expect(await stats()).toEqual({
      retry_payment: { alpha: 6, beta: 6, successes: 5, failures: 5 },
      onboarding_nudge: { alpha: 3, beta: 4, successes: 2, failures: 3 },
      retention_campaign: { alpha: 2, beta: 2, successes: 1, failures: 1 },
      proactive_retention: { alpha: 2, beta: 1, successes: 1, failures: 0 },
      upgrade_offer: { alpha: 3, beta: 3, successes: 2, failures: 2 },
    });
    const measuredAt = await t
      .db('engine.actions')
      .whereNotNull('outcome')
      .whereNot({ id: 'o1' })
      .distinct('outcome_measured_at');
    expect(measuredAt.map((m: { outcome_measured_at: Date }) => m.outcome_measured_at.toISOString())).toEqual([
      NOW.toISOString(),
    ]);
  });

  it('a second call (a retried activity) measures nothing and leaves the posteriors as they are', async () => {
    const before = await stats();
    const r = await measureOutcomes(t.db, NOW);
    expect(r.measured).toBe(0);
    expect(r.byType).toEqual({});
    expect(r.skipped.onboarding_nudge).toEqual({ window_open: 1, target_mismatch: 1 });
    expect(await stats()).toEqual(before);
    // The retry-stable view of what the call at NOW recorded.
    expect(await outcomesMeasuredAt(t.db, NOW)).toEqual({
      onboarding_nudge: { success: 2, failure: 3, holdout: { success: 0, failure: 0 } },
      proactive_retention: { success: 1, failure: 0, holdout: { success: 0, failure: 0 } },
      retention_campaign: { success: 1, failure: 1, holdout: { success: 0, failure: 0 } },
      retry_payment: { success: 1, failure: 3, holdout: { success: 0, failure: 0 } },
      upgrade_offer: { success: 2, failure: 2, holdout: { success: 0, failure: 0 } },
    });
  });

  it('concurrent calls cannot both count an action', async () => {
    const later = new Date(N + 3 * DAY);
    const [a, b] = await Promise.all([measureOutcomes(t.db, later), measureOutcomes(t.db, later)]);
    // Three became measurable: r3 (grace over, still pending → failure), n6 (window closed, never
    // activated → failure) and f1 (due; user 7 activated within 7 days → success).
    expect(a.measured + b.measured).toBe(3);
    expect(await stats()).toEqual({
      retry_payment: { alpha: 6, beta: 7, successes: 5, failures: 6 },
      onboarding_nudge: { alpha: 4, beta: 5, successes: 3, failures: 4 },
      retention_campaign: { alpha: 2, beta: 2, successes: 1, failures: 1 },
      proactive_retention: { alpha: 2, beta: 1, successes: 1, failures: 0 },
      upgrade_offer: { alpha: 3, beta: 3, successes: 2, failures: 2 },
    });
    const o = await outcomes();
    expect([o.r3, o.n6, o.f1, o.m1, o.x1, o.s1]).toEqual(['failure', 'failure', 'success', null, null, null]);
  });
});
