// processPlans against a real PostgreSQL: a dry run leaves schema app and the outbox byte-for-byte
// unchanged while recording actions, gate decisions and audit; a live run performs each auto effect
// exactly once, also when retried or after a crash; and every policy gate blocks with its reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db';
import type { Db } from '../../db/knex';
import { createOutboxMessenger } from '../../activities/effects/outbox-messenger';
import { processPlans, type EffectDeps } from '../../activities/effects/pipeline';
import { NonRetryableError } from '../../activities/effects/errors';
import type { Messenger, PaymentGateway } from '../../activities/effects/ports';
import { createSandboxPaymentGateway } from '../../activities/effects/sandbox-payment-gateway';
import { listAudit } from '../../db/repos/audit';
import { setPolicy } from '../../db/repos/config';
import { gateClassOf } from '../../engine/planning/gate-classes';
import type { ActionPlan, ActionType } from '../../engine/types';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const DAY = 86_400_000;
const clock = () => NOW;
const RETRYABLE = 'billing:retryable_failed_payments';

let t: TestDb;
let db: Db;
let deps: EffectDeps;

beforeAll(async () => {
  t = await createTestDb('pipeline');
  db = t.db;
  deps = {
    db,
    payments: createSandboxPaymentGateway(db, clock),
    messenger: createOutboxMessenger(db, clock),
    now: clock,
  };
  // These tests are about the gates: no control group (test/integration/holdout.test.ts covers holdouts).
  await setPolicy(db, 'holdout', { default: 0 }, 'test', 'no holdout in gate tests');
  // Learned posteriors Beta(60, 1): lower bound 0.951, so a detection confidence of 1 passes every gate.
  // data_fix_review has no row: Beta(1,1), lower bound 0.05, so it always waits for an operator.
  const learned: ActionType[] = [
    'retry_payment',
    'cancel_orphaned_subscription',
    'normalize_email',
    'onboarding_nudge',
    'retention_campaign',
    'upgrade_offer',
    'proactive_retention',
  ];
  await db('engine.action_stats')
    .insert(learned.map((action_type) => ({ action_type, alpha: 60, beta: 1, successes: 59, failures: 0 })))
    .onConflict('action_type')
    .merge();
  await cycle('seed', true);
  await db('engine.findings').insert({
    fingerprint: RETRYABLE,
    detector: 'billing',
    kind: 'retryable_failed_payments',
    category: 'issue',
    severity: 'high',
    confidence: 1,
    title: 'Retryable failed payments',
    evidence: JSON.stringify({ count: 2, sampleIds: [] }),
    first_seen_at: NOW,
    last_seen_at: NOW,
    first_cycle_id: 'seed',
    last_cycle_id: 'seed',
  });
});
afterAll(() => t?.drop());

async function cycle(id: string, dryRun: boolean): Promise<string> {
  await db('engine.cycles').insert({
    id,
    kind: 'cycle',
    trigger: 'api',
    requested_by: 'test',
    dry_run: dryRun,
    phases: ['heal', 'optimize', 'prevent'],
    logical_now: NOW,
  });
  return id;
}

function mk(
  type: ActionType,
  targetId: number | string,
  params: Record<string, unknown> = {},
  o: Partial<ActionPlan> = {},
): ActionPlan {
  const targetType: ActionPlan['targetType'] =
    type === 'retry_payment'
      ? 'payment'
      : type === 'cancel_orphaned_subscription'
        ? 'subscription'
        : type === 'funnel_recommendation'
          ? 'funnel'
          : type === 'data_fix_review'
            ? 'finding'
            : 'user';
  return {
    phase: 'heal',
    type,
    gateClass: gateClassOf(type),
    targetType,
    targetId: String(targetId),
    params: targetType === 'user' ? { userId: Number(targetId), ...params } : params,
    findingFingerprint: null,
    detectionConfidence: 1,
    expectedImpact: {},
    executable: true,
    ...o,
  };
}

async function user(id: number, email = `u${id}@example.com`) {
  await db('app.users').insert({ id, email, created_at: new Date(NOW.getTime() - 10 * DAY) });
}

async function failedPayment(id: number, failureCode: string) {
  await db('app.payments').insert({
    id,
    subscription_id: id,
    amount_cents: 1000 + id,
    status: 'failed',
    failure_code: failureCode,
    attempted_at: new Date(NOW.getTime() - 2 * DAY),
    attempt_count: 1,
    next_retry_at: new Date(NOW.getTime() - DAY),
  });
}

const retry = (id: number) =>
  mk('retry_payment', id, { paymentId: id, amountCents: 1000 + id, attempt: 2 }, { findingFingerprint: RETRYABLE });

/** One of everything; ids offset by `base` so every test has its own rows. */
async function world(base: number): Promise<ActionPlan[]> {
  await user(base + 1, '  Dana@Example.COM');
  await user(base + 2);
  await user(base + 3);
  await db('app.subscriptions').insert({
    id: base + 1,
    user_id: base + 99,
    plan_id: 1,
    status: 'active',
    mrr_cents: 2900,
    started_at: new Date(NOW.getTime() - 60 * DAY),
  });
  await failedPayment(base + 1, 'processing_error');
  await failedPayment(base + 2, 'insufficient_funds');
  return [
    retry(base + 1),
    retry(base + 2),
    mk('cancel_orphaned_subscription', base + 1, {
      subscriptionId: base + 1,
      userId: base + 99,
      reason: 'missing_user',
    }),
    mk('normalize_email', base + 1, { fromEmail: '  Dana@Example.COM', email: 'dana@example.com' }),
    mk('onboarding_nudge', base + 2, { template: 'onboarding_nudge_v1' }, { phase: 'optimize' }),
    mk('retention_campaign', base + 3, { template: 'retention_campaign_v1' }, { phase: 'optimize' }),
    mk('funnel_recommendation', 'activated', {}, { phase: 'optimize', executable: false, detectionConfidence: 0.9 }),
    mk(
      'data_fix_review',
      `data_quality:duplicate_email:${base}`,
      { requiresApproval: true },
      { detectionConfidence: 0.5 },
    ),
  ];
}

/** count + md5 of every table of schema app, and of engine.outbox. */
async function checksums(): Promise<Record<string, string>> {
  const { rows } = await db.raw(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'app' ORDER BY 1`,
  );
  const tables = [...rows.map((r: { table_name: string }) => `app.${r.table_name}`), 'engine.outbox'];
  const out: Record<string, string> = {};
  for (const name of tables) {
    const {
      rows: [r],
    } = await db.raw(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM ${name} t`,
    );
    out[name] = `${r.n}:${r.h}`;
  }
  return out;
}

const actionsOf = (cycleId: string) => db('engine.actions').where({ cycle_id: cycleId }).orderBy('id');
const paymentRow = (id: number) => db('app.payments').where({ id }).first();
const countOf = async (table: string, where: Record<string, unknown> = {}) =>
  Number((await db(table).where(where).count({ n: '*' }).first())!.n);

describe('dry run', () => {
  it('changes nothing in schema app or the outbox, and records actions, gate decisions and audit', async () => {
    const plans = await world(1000);
    const cycleId = await cycle('dry-a', true);
    const before = await checksums();
    expect(Object.keys(before)).toEqual(
      expect.arrayContaining([
        'app.users',
        'app.events',
        'app.payments',
        'app.subscriptions',
        'app.plans',
        'app.suggestions',
        'app.acquisition_spend',
        'engine.outbox',
      ]),
    );

    const r = await processPlans(deps, { cycleId, phase: 'heal', dryRun: true, now: NOW, plans });

    expect(await checksums()).toEqual(before);
    expect(await countOf('engine.effects')).toBe(0);
    expect(r.actionIds).toHaveLength(8);
    expect(r.actionIds[0]).toBe('dry-a:retry_payment:1001');
    expect(r).toMatchObject({
      executed: [],
      needsApproval: [],
      blocked: [],
      failed: [],
      recommended: ['dry-a:funnel_recommendation:activated'],
    });
    expect(r.dryRun).toHaveLength(7);
    const rows = await actionsOf(cycleId);
    expect(rows.every((a: { dry_run: boolean }) => a.dry_run)).toBe(true);
    const byId = new Map<string, Record<string, any>>(rows.map((a: Record<string, any>) => [a.id, a]));
    expect(byId.get('dry-a:retry_payment:1001')).toMatchObject({
      status: 'dry_run',
      mode: 'auto',
      status_reason: 'dry run: would execute (all gates passed)',
      executed_at: null,
    });
    expect(byId.get('dry-a:retry_payment:1001')!.finding_id).toBeGreaterThan(0);
    expect(byId.get('dry-a:retry_payment:1001')!.confidence).toBeCloseTo(0.05 ** (1 / 60), 6);
    expect(byId.get('dry-a:data_fix_review:data_quality:duplicate_email:1000')).toMatchObject({
      status: 'dry_run',
      mode: 'needs_approval',
      confidence: 0.025,
      status_reason:
        'dry run: would need approval (detection confidence 50%; no safe automatic fix: no rule can change these records safely, so a person fixes them)',
    });
    expect(await countOf('engine.approvals')).toBe(0);
    // Executable actions: kill switch, confidence, type cap, circuit breaker, + contact cap and quiet hours for the 2
    // messages, + the card-network rules for the 2 payment retries.
    expect(await db('engine.gate_decisions').whereIn('action_id', r.actionIds).count({ n: '*' }).first()).toEqual({
      n: 7 * 4 + 2 * 2 + 2 * 1 + 2,
    });
    const audit = await listAudit(db, { cycleId, limit: 1000 });
    expect(audit.filter((e) => e.event === 'action.planned')).toHaveLength(8);
    expect(audit.filter((e) => e.event === 'gate.decision')).toHaveLength(8);
    expect(audit.every((e) => e.dryRun)).toBe(true);
    expect(
      audit.find((e) => e.event === 'gate.decision' && e.target === 'dry-a:retry_payment:1001')!.after,
    ).toMatchObject({
      verdict: 'execute',
      status: 'dry_run',
      gates: expect.arrayContaining([expect.objectContaining({ gate: 'confidence', passed: true })]),
    });

    // A retried activity adds nothing.
    const again = await processPlans(deps, { cycleId, phase: 'heal', dryRun: true, now: NOW, plans });
    expect(again).toEqual(r);
    expect(await listAudit(db, { cycleId, limit: 1000 })).toHaveLength(audit.length);
  });

  it('a cycle stored as dry-run stays dry-run even if the caller says live', async () => {
    await failedPayment(1501, 'processing_error');
    const cycleId = await cycle('dry-b', true);
    const r = await processPlans(deps, { cycleId, phase: 'heal', dryRun: false, now: NOW, plans: [retry(1501)] });
    expect(r.dryRun).toEqual(['dry-b:retry_payment:1501']);
    expect(await paymentRow(1501)).toMatchObject({ attempt_count: 1, status: 'failed' });
  });
});

describe('live run', () => {
  it('executes each auto effect exactly once, queues approvals, and a second call executes nothing new', async () => {
    const plans = await world(2000);
    const cycleId = await cycle('live-a', false);
    const r = await processPlans(deps, { cycleId, phase: 'heal', dryRun: false, now: NOW, plans });
    expect([...r.executed].sort()).toEqual(
      [
        'live-a:cancel_orphaned_subscription:2001',
        'live-a:normalize_email:2001',
        'live-a:onboarding_nudge:2002',
        'live-a:retention_campaign:2003',
        'live-a:retry_payment:2001',
        'live-a:retry_payment:2002',
      ].sort(),
    );
    expect(r.needsApproval).toEqual(['live-a:data_fix_review:data_quality:duplicate_email:2000']);
    expect(r).toMatchObject({
      recommended: ['live-a:funnel_recommendation:activated'],
      blocked: [],
      failed: [],
      dryRun: [],
    });
    expect(await db('engine.actions').where({ id: r.needsApproval[0] }).first()).toMatchObject({
      status: 'pending_approval',
      mode: 'needs_approval',
      status_reason:
        'needs approval: detection confidence 50%; no safe automatic fix: no rule can change these records safely, so a person fixes them',
    });

    const effects = await db('engine.effects').whereIn('action_id', r.executed).orderBy('idempotency_key');
    expect(effects.map((e: { idempotency_key: string; status: string }) => [e.idempotency_key, e.status])).toEqual([
      ['cancel_subscription:2001', 'succeeded'],
      ['message:onboarding_nudge_v1:2002:live-a:onboarding_nudge:2002', 'succeeded'],
      ['message:retention_campaign_v1:2003:live-a:retention_campaign:2003', 'succeeded'],
      ['normalize_email:2001', 'succeeded'],
      ['retry_payment:2001:attempt:2', 'succeeded'],
      // insufficient_funds fails its first retry in the sandbox: executed, outcome measured later.
      ['retry_payment:2002:attempt:2', 'failed'],
    ]);
    expect(await paymentRow(2001)).toMatchObject({ status: 'succeeded', attempt_count: 2 });
    expect(await paymentRow(2002)).toMatchObject({ status: 'failed', attempt_count: 2 });
    expect(await db('app.subscriptions').where({ id: 2001 }).first()).toMatchObject({ status: 'canceled' });
    expect(await db('app.users').where({ id: 2001 }).first()).toMatchObject({ email: 'dana@example.com' });
    expect(await countOf('engine.outbox', { user_id: 2002 })).toBe(1);
    expect(await countOf('engine.outbox', { user_id: 2003 })).toBe(1);
    const audit = await listAudit(db, { cycleId, limit: 1000 });
    expect(
      audit
        .filter((e) => e.event === 'action.executed')
        .map((e) => e.target)
        .sort(),
    ).toEqual([...r.executed].sort());
    expect(audit.every((e) => !e.dryRun)).toBe(true);

    const state = await checksums();
    const auditCount = audit.length;
    const again = await processPlans(deps, { cycleId, phase: 'heal', dryRun: false, now: NOW, plans });
    expect(again).toEqual(r);
    expect(await checksums()).toEqual(state);
    expect(await db('engine.effects').whereIn('action_id', r.executed)).toHaveLength(6);
    expect(await listAudit(db, { cycleId, limit: 1000 })).toHaveLength(auditCount);
  });

  it('continues where it stopped after a crash: the pending effect is re-driven with its key, nothing twice', async () => {
    await user(3001);
    await user(3002);
    await failedPayment(3001, 'processing_error');
    const plans = [retry(3001), mk('onboarding_nudge', 3001), mk('onboarding_nudge', 3002)];
    const cycleId = await cycle('live-crash', false);
    // The first send reaches the outbox, then the connection drops before the answer: the activity fails.
    let dropped = false;
    const flaky: Messenger = {
      async send(req) {
        const res = await deps.messenger.send(req);
        if (!dropped) {
          dropped = true;
          throw new Error('connection reset by peer');
        }
        return res;
      },
    };
    await expect(
      processPlans({ ...deps, messenger: flaky }, { cycleId, phase: 'optimize', dryRun: false, now: NOW, plans }),
    ).rejects.toThrow('connection reset by peer');
    expect(
      await db('engine.effects')
        .where({ idempotency_key: 'message:onboarding_nudge_v1:3001:live-crash:onboarding_nudge:3001' })
        .first(),
    ).toMatchObject({ status: 'pending' });
    expect(await db('engine.actions').where({ id: 'live-crash:onboarding_nudge:3002' }).first()).toMatchObject({
      status: 'planned',
    });

    const r = await processPlans(
      { ...deps, messenger: flaky },
      { cycleId, phase: 'optimize', dryRun: false, now: NOW, plans },
    );
    expect(r.executed).toEqual([
      'live-crash:retry_payment:3001',
      'live-crash:onboarding_nudge:3001',
      'live-crash:onboarding_nudge:3002',
    ]);
    expect(await countOf('engine.outbox', { user_id: 3001 })).toBe(1);
    expect(await countOf('engine.outbox', { user_id: 3002 })).toBe(1);
    expect(await paymentRow(3001)).toMatchObject({ attempt_count: 2 });
    expect(await db('engine.effects').whereIn('action_id', r.executed)).toHaveLength(3);
  });
});

describe('policy gates in the pipeline', () => {
  it('kill switch: every executable action is blocked with the reason; nothing changes', async () => {
    const plans = await world(4000);
    const cycleId = await cycle('live-kill', false);
    await setPolicy(db, 'kill_switch', { enabled: true }, 'ops', 'incident');
    const before = await checksums();
    try {
      const r = await processPlans(deps, { cycleId, phase: 'heal', dryRun: false, now: NOW, plans });
      expect(r.blocked).toHaveLength(7);
      expect(r).toMatchObject({
        executed: [],
        needsApproval: [],
        recommended: ['live-kill:funnel_recommendation:activated'],
      });
    } finally {
      await setPolicy(db, 'kill_switch', { enabled: false }, 'ops', 'resolved');
    }
    expect(await checksums()).toEqual(before);
    const blocked = await db('engine.actions').where({ cycle_id: cycleId, status: 'blocked' });
    expect(new Set(blocked.map((a: { status_reason: string }) => a.status_reason))).toEqual(
      new Set(['kill switch is on: every effect is blocked']),
    );
    expect(
      await db('engine.gate_decisions')
        .where({ action_id: 'live-kill:retry_payment:4001', gate: 'kill_switch' })
        .first(),
    ).toMatchObject({ passed: false });
  });

  it('type cap: the (N+1)-th action of a type in a cycle is blocked, across calls', async () => {
    for (const id of [5001, 5002, 5003, 5004]) await failedPayment(id, 'processing_error');
    const cycleId = await cycle('live-cap', false);
    await setPolicy(db, 'type_caps', { default: 500, retry_payment: 2 }, 'ops', 'test');
    try {
      const r = await processPlans(deps, {
        cycleId,
        phase: 'heal',
        dryRun: false,
        now: NOW,
        plans: [retry(5001), retry(5002), retry(5003)],
      });
      expect(r.executed).toEqual(['live-cap:retry_payment:5001', 'live-cap:retry_payment:5002']);
      expect(r.blocked).toEqual(['live-cap:retry_payment:5003']);
      expect(await db('engine.actions').where({ id: 'live-cap:retry_payment:5003' }).first()).toMatchObject({
        status: 'blocked',
        status_reason: 'type cap reached: 2 retry_payment actions already admitted this cycle (cap 2)',
      });
      const later = await processPlans(deps, {
        cycleId,
        phase: 'prevent',
        dryRun: false,
        now: NOW,
        plans: [retry(5004)],
      });
      expect(later.blocked).toEqual(['live-cap:retry_payment:5004']);
    } finally {
      await setPolicy(db, 'type_caps', { default: 500 }, 'ops', 'reset');
    }
    expect(await paymentRow(5003)).toMatchObject({ attempt_count: 1, status: 'failed' });
    expect(await paymentRow(5004)).toMatchObject({ attempt_count: 1, status: 'failed' });
  });

  it('contact cap: a second message to a user within 7 days is blocked (outbox, earlier phases, and this call)', async () => {
    for (const id of [6001, 6002, 6003, 6004]) await user(id);
    await db('engine.outbox').insert([
      { idempotency_key: 'old-3d', user_id: 6001, template: 'x', created_at: new Date(NOW.getTime() - 3 * DAY) },
      { idempotency_key: 'old-8d', user_id: 6002, template: 'x', created_at: new Date(NOW.getTime() - 8 * DAY) },
    ]);
    const cycleId = await cycle('live-contact', false);
    const r = await processPlans(deps, {
      cycleId,
      phase: 'optimize',
      dryRun: false,
      now: NOW,
      plans: [
        mk('onboarding_nudge', 6001),
        mk('onboarding_nudge', 6002),
        mk('onboarding_nudge', 6003),
        mk('upgrade_offer', 6003),
      ],
    });
    expect(r.executed).toEqual(['live-contact:onboarding_nudge:6002', 'live-contact:onboarding_nudge:6003']);
    expect(r.blocked).toEqual(['live-contact:onboarding_nudge:6001', 'live-contact:upgrade_offer:6003']);
    expect(await db('engine.actions').where({ id: 'live-contact:onboarding_nudge:6001' }).first()).toMatchObject({
      status_reason: 'contact cap: user 6001 already has 1 message(s) in the last 7 days (cap 1)',
    });
    // A later phase of the same cycle: the outbox now holds the message sent above.
    const prevent = await processPlans(deps, {
      cycleId,
      phase: 'prevent',
      dryRun: false,
      now: NOW,
      plans: [mk('proactive_retention', 6002, {}, { phase: 'prevent' })],
    });
    expect(prevent.blocked).toEqual(['live-contact:proactive_retention:6002']);
    expect(await countOf('engine.outbox', { user_id: 6002 })).toBe(2); // the 8-day-old one and today's
    expect(await countOf('engine.outbox', { user_id: 6001 })).toBe(1);
    // In a dry run the messages the run itself would send count too.
    const dry = await processPlans(deps, {
      cycleId: await cycle('dry-contact', true),
      phase: 'optimize',
      dryRun: true,
      now: NOW,
      plans: [mk('onboarding_nudge', 6004), mk('upgrade_offer', 6004)],
    });
    expect(dry).toMatchObject({
      dryRun: ['dry-contact:onboarding_nudge:6004'],
      blocked: ['dry-contact:upgrade_offer:6004'],
    });
  });

  it('quiet hours: messages wait, other effects go ahead', async () => {
    await user(7001);
    await failedPayment(7001, 'processing_error');
    const late = new Date('2026-11-25T23:00:00.000Z');
    const cycleId = await cycle('live-quiet', false);
    await setPolicy(db, 'quiet_hours', { enabled: true, startHour: 22, endHour: 7, timezone: 'UTC' }, 'ops', 'test');
    try {
      const r = await processPlans(
        { ...deps, now: () => late },
        { cycleId, phase: 'optimize', dryRun: false, now: late, plans: [mk('onboarding_nudge', 7001), retry(7001)] },
      );
      expect(r).toMatchObject({
        blocked: ['live-quiet:onboarding_nudge:7001'],
        executed: ['live-quiet:retry_payment:7001'],
      });
      expect(await db('engine.actions').where({ id: 'live-quiet:onboarding_nudge:7001' }).first()).toMatchObject({
        status_reason: 'quiet hours 22:00–07:00 UTC: local time 23:00',
      });
    } finally {
      await setPolicy(
        db,
        'quiet_hours',
        { enabled: false, startHour: 22, endHour: 7, timezone: 'UTC' },
        'ops',
        'reset',
      );
    }
    expect(await countOf('engine.outbox', { user_id: 7001 })).toBe(0);
  });

  it('circuit breaker: halts a type after N failed effects, within the run and in later cycles', async () => {
    for (const id of [8001, 8002, 8003, 8004, 8005]) await failedPayment(id, 'processing_error');
    await db('app.subscriptions').insert({
      id: 8001,
      user_id: 8999,
      plan_id: 1,
      status: 'active',
      mrr_cents: 900,
      started_at: new Date(NOW.getTime() - 60 * DAY),
    });
    // A day later, so the effects of the tests above are outside the window; the provider rejects every
    // request (say the merchant account was suspended): an error, not a decline.
    const later = new Date(NOW.getTime() + DAY);
    const rejecting: PaymentGateway = {
      async retryPayment(req) {
        throw new NonRetryableError(
          `provider rejected ${req.idempotencyKey}: merchant account suspended`,
          'provider_rejected',
        );
      },
    };
    const laterDeps = { ...deps, payments: rejecting, now: () => later };
    await setPolicy(db, 'circuit_breaker', { failures: 2, windowMinutes: 60 }, 'ops', 'test');
    try {
      const cycleId = await cycle('live-breaker', false);
      const r = await processPlans(laterDeps, {
        cycleId,
        phase: 'heal',
        dryRun: false,
        now: later,
        plans: [retry(8001), retry(8002), retry(8003), retry(8004)],
      });
      expect(r.failed).toEqual(['live-breaker:retry_payment:8001', 'live-breaker:retry_payment:8002']);
      expect(r.blocked).toEqual(['live-breaker:retry_payment:8003', 'live-breaker:retry_payment:8004']);
      expect(await db('engine.actions').where({ id: 'live-breaker:retry_payment:8001' }).first()).toMatchObject({
        status: 'failed',
        status_reason: 'refused: provider rejected retry_payment:8001:attempt:2: merchant account suspended',
      });
      expect(await db('engine.actions').where({ id: 'live-breaker:retry_payment:8003' }).first()).toMatchObject({
        status: 'blocked',
        status_reason: 'circuit breaker open: 2 retry_payment effects failed in the last 60 min (limit 2)',
      });
      expect(
        await db('engine.effects')
          .whereIn('action_id', [...r.failed, ...r.blocked])
          .pluck('status'),
      ).toEqual(['failed', 'failed']);

      // The next cycle: blocked at admission; other types are not affected.
      const next = await processPlans(laterDeps, {
        cycleId: await cycle('live-breaker-2', false),
        phase: 'heal',
        dryRun: false,
        now: later,
        plans: [retry(8005), mk('cancel_orphaned_subscription', 8001, { subscriptionId: 8001 })],
      });
      expect(next).toMatchObject({
        blocked: ['live-breaker-2:retry_payment:8005'],
        executed: ['live-breaker-2:cancel_orphaned_subscription:8001'],
      });
      expect(
        await db('engine.gate_decisions')
          .where({ action_id: 'live-breaker-2:retry_payment:8005', gate: 'circuit_breaker' })
          .first(),
      ).toMatchObject({ passed: false });
      for (const id of [8001, 8002, 8003, 8004, 8005])
        expect(await paymentRow(id)).toMatchObject({ attempt_count: 1, status: 'failed' });
    } finally {
      await setPolicy(db, 'circuit_breaker', { failures: 5, windowMinutes: 60 }, 'ops', 'reset');
    }
  });

  it('circuit breaker: declined retries are outcomes, not errors, and do not trip it', async () => {
    for (const id of [8101, 8102, 8103, 8104]) await failedPayment(id, 'generic_decline');
    const later = new Date(NOW.getTime() + 2 * DAY);
    await setPolicy(db, 'circuit_breaker', { failures: 2, windowMinutes: 60 }, 'ops', 'test');
    try {
      const r = await processPlans(
        { ...deps, payments: createSandboxPaymentGateway(db, () => later), now: () => later },
        {
          cycleId: await cycle('live-declines', false),
          phase: 'heal',
          dryRun: false,
          now: later,
          plans: [8101, 8102, 8103, 8104].map(retry),
        },
      );
      expect(r.executed).toHaveLength(4);
      expect(r.blocked).toEqual([]);
      expect(await db('engine.effects').whereIn('action_id', r.executed).pluck('status')).toEqual([
        'failed',
        'failed',
        'failed',
        'failed',
      ]);
    } finally {
      await setPolicy(db, 'circuit_breaker', { failures: 5, windowMinutes: 60 }, 'ops', 'reset');
    }
  });
});
