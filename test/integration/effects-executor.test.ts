// The effect layer against a real PostgreSQL: versioned config and the append-only audit log, the default
// adapters (sandbox gateway, outbox messenger, SQL data fixes), executeAction's idempotency under retries,
// crashes and concurrency, its refusals, and the approval path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db';
import type { Db } from '../../db/knex';
import { executeApprovedAction, markApproval, openApproval } from '../../activities/effects/approvals';
import { NonRetryableError } from '../../activities/effects/errors';
import { executeAction, type EffectDeps } from '../../activities/effects/executor';
import { createOutboxMessenger } from '../../activities/effects/outbox-messenger';
import { createSandboxPaymentGateway, sandboxProviderRef } from '../../activities/effects/sandbox-payment-gateway';
import { appendAudit, listAudit } from '../../db/repos/audit';
import {
  getPolicies,
  getThresholds,
  listConfigHistory,
  setPolicy,
  setThreshold,
  ValidationError,
} from '../../db/repos/config';
import type { ActionType } from '../../engine/types';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const DAY = 86_400_000;
const clock = () => NOW;

let t: TestDb;
let db: Db;
let deps: EffectDeps;

beforeAll(async () => {
  t = await createTestDb('effects-executor');
  db = t.db;
  deps = {
    db,
    payments: createSandboxPaymentGateway(db, clock),
    messenger: createOutboxMessenger(db, clock),
    now: clock,
  };
  await db('engine.cycles').insert([
    {
      id: 'live-1',
      kind: 'cycle',
      trigger: 'api',
      requested_by: 'test',
      dry_run: false,
      phases: ['heal'],
      logical_now: NOW,
    },
    {
      id: 'dry-1',
      kind: 'cycle',
      trigger: 'api',
      requested_by: 'test',
      dry_run: true,
      phases: ['heal'],
      logical_now: NOW,
    },
  ]);
});
afterAll(() => t?.drop());

async function payment(
  id: number,
  p: { failureCode?: string | null; attemptCount?: number; status?: string; amountCents?: number } = {},
) {
  await db('app.payments').insert({
    id,
    subscription_id: id,
    amount_cents: p.amountCents ?? 2900,
    status: p.status ?? 'failed',
    failure_code: p.failureCode === undefined ? 'processing_error' : p.failureCode,
    attempted_at: new Date(NOW.getTime() - 2 * DAY),
    attempt_count: p.attemptCount ?? 1,
    next_retry_at: new Date(NOW.getTime() - DAY),
  });
}

async function user(id: number, p: { email?: string | null; optOut?: boolean; deleted?: boolean } = {}) {
  await db('app.users').insert({
    id,
    email: p.email === undefined ? `u${id}@example.com` : p.email,
    created_at: new Date(NOW.getTime() - 30 * DAY),
    marketing_opt_out: p.optOut ?? false,
    deleted_at: p.deleted ? new Date(NOW.getTime() - DAY) : null,
  });
}

/** An action row as the pipeline stores it for a live auto action (or as given). */
async function action(
  type: ActionType,
  targetId: string | number,
  params: Record<string, unknown>,
  o: { cycleId?: string; status?: string; mode?: string; dryRun?: boolean } = {},
): Promise<string> {
  const cycleId = o.cycleId ?? 'live-1';
  const id = `${cycleId}:${type}:${targetId}`;
  await db('engine.actions').insert({
    id,
    cycle_id: cycleId,
    phase: 'heal',
    type,
    target_type:
      type === 'retry_payment' ? 'payment' : type === 'cancel_orphaned_subscription' ? 'subscription' : 'user',
    target_id: String(targetId),
    params: JSON.stringify(params),
    detection_confidence: 1,
    confidence: 0.95,
    mode: o.mode ?? 'auto',
    status: o.status ?? 'planned',
    dry_run: o.dryRun ?? false,
  });
  return id;
}

const paymentRow = (id: number) => db('app.payments').where({ id }).first();
const effectsOf = (actionId: string) => db('engine.effects').where({ action_id: actionId }).orderBy('id');
const actionRow = (id: string) => db('engine.actions').where({ id }).first();

describe('config repository', () => {
  it('reads the newest version of every threshold and the parsed policies', async () => {
    expect(await getThresholds(db)).toMatchObject({
      'gate.remediation': 0.8,
      'gate.optimization': 0.7,
      'gate.healing': 0.75,
      'kpi.min_sample': 30,
    });
    const p = await getPolicies(db);
    expect(p.kill_switch).toEqual({ enabled: false });
    expect(p.contact_cap).toEqual({ maxMessages: 1, windowDays: 7 });
  });

  it('a change inserts version + 1 and audits who, what and why; concurrent changes get distinct versions', async () => {
    const v2 = await setThreshold(db, 'gate.remediation', 0.85, 'alice', 'too many false fixes');
    expect(v2).toMatchObject({
      kind: 'threshold',
      name: 'gate.remediation',
      version: 2,
      value: 0.85,
      changedBy: 'alice',
      reason: 'too many false fixes',
    });
    expect((await getThresholds(db))['gate.remediation']).toBe(0.85);
    const [a, b] = await Promise.all([
      setThreshold(db, 'gate.remediation', 0.9, 'bob', null),
      setThreshold(db, 'gate.remediation', 0.8, 'carol', 'back'),
    ]);
    expect([a.version, b.version].sort()).toEqual([3, 4]);
    const audit = await listAudit(db, { event: 'config.threshold.changed', target: 'threshold:gate.remediation' });
    expect(audit.map((e) => e.after)).toEqual([
      { version: 2, value: 0.85, reason: 'too many false fixes' },
      expect.objectContaining({ version: 3 }),
      expect.objectContaining({ version: 4 }),
    ]);
    expect(audit[0]).toMatchObject({ actor: 'alice', before: { version: 1, value: 0.8 }, dryRun: false });
    const history = await listConfigHistory(db, { kind: 'threshold', name: 'gate.remediation' });
    expect(history.map((h) => h.version)).toEqual([4, 3, 2, 1]);
    await setThreshold(db, 'gate.remediation', 0.8, 'test', 'reset');
  });

  it('rejects unknown names, bad values and anonymous changes with ValidationError, storing nothing', async () => {
    const before = await db('engine.policies').count({ n: '*' }).first();
    await expect(setPolicy(db, 'warp_drive', { enabled: true }, 'alice')).rejects.toBeInstanceOf(ValidationError);
    await expect(setPolicy(db, 'contact_cap', { maxMessages: -1, windowDays: 7 }, 'alice')).rejects.toThrow(
      "Invalid value for policy 'contact_cap': maxMessages: must be 0 or more",
    );
    await expect(setThreshold(db, 'gate.healing', 2, 'alice')).rejects.toMatchObject({
      name: 'ValidationError',
      statusCode: 400,
    });
    await expect(setPolicy(db, 'kill_switch', { enabled: true }, '  ')).rejects.toThrow(/changedBy/);
    expect(await db('engine.policies').count({ n: '*' }).first()).toEqual(before);
    const v = await setPolicy(db, 'type_caps', { default: 100, retry_payment: 10 }, 'alice', 'smaller blast radius');
    expect(v.version).toBe(2);
    expect((await getPolicies(db)).type_caps).toEqual({ default: 100, retry_payment: 10 });
    await setPolicy(db, 'type_caps', { default: 500 }, 'test', 'reset');
  });
});

describe('audit log', () => {
  it('appends an entry once per dedupe key', async () => {
    const e = {
      actor: 'engine',
      cycleId: 'live-1',
      event: 'test.once',
      target: 'x',
      after: { n: [1, 2] },
      dryRun: false,
      dedupeKey: 'test.once:x',
    };
    const id = await appendAudit(db, e);
    expect(id).toBeGreaterThan(0);
    expect(await appendAudit(db, { ...e, after: { n: 3 } })).toBeNull();
    const rows = await listAudit(db, { event: 'test.*' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id,
      actor: 'engine',
      cycleId: 'live-1',
      after: { n: [1, 2] },
      dedupeKey: 'test.once:x',
    });
    // Without a key every append is a new entry.
    await appendAudit(db, { actor: 'engine', event: 'test.many', dryRun: true });
    await appendAudit(db, { actor: 'engine', event: 'test.many', dryRun: true });
    expect(await listAudit(db, { event: 'test.many' })).toHaveLength(2);
  });

  it('rejects UPDATE and DELETE (and TRUNCATE): it is append-only in the database', async () => {
    await expect(db('engine.audit_log').where({ event: 'test.once' }).update({ actor: 'mallory' })).rejects.toThrow(
      /append-only: UPDATE is not allowed/,
    );
    await expect(db('engine.audit_log').where({ event: 'test.once' }).del()).rejects.toThrow(
      /append-only: DELETE is not allowed/,
    );
    await expect(db.raw('TRUNCATE engine.audit_log')).rejects.toThrow(/append-only: TRUNCATE is not allowed/);
    expect((await listAudit(db, { event: 'test.once' }))[0]!.actor).toBe('engine');
  });
});

describe('sandbox payment gateway', () => {
  it('settles a soft decline, records the attempt, and answers the same key again without charging', async () => {
    await payment(101, { failureCode: 'try_again_later' });
    const gw = createSandboxPaymentGateway(db, clock);
    const req = { paymentId: 101, amountCents: 2900, idempotencyKey: 'retry_payment:101:attempt:2' };
    const ref = sandboxProviderRef(req.idempotencyKey);
    expect(await gw.retryPayment(req)).toEqual({ status: 'succeeded', providerRef: ref });
    const row = await paymentRow(101);
    expect(row).toMatchObject({
      status: 'succeeded',
      failure_code: null,
      attempt_count: 2,
      next_retry_at: null,
      provider_ref: ref,
    });
    expect(new Date(row.attempted_at).toISOString()).toBe(NOW.toISOString());
    expect(await gw.retryPayment(req)).toEqual({ status: 'succeeded', providerRef: ref });
    expect((await paymentRow(101)).attempt_count).toBe(2);
  });

  it('fails insufficient_funds on the first retry with a one-day backoff, succeeds on the second', async () => {
    await payment(102, { failureCode: 'insufficient_funds' });
    const gw = createSandboxPaymentGateway(db, clock);
    expect(await gw.retryPayment({ paymentId: 102, amountCents: 2900, idempotencyKey: 'k102:2' })).toMatchObject({
      status: 'failed',
      failureCode: 'insufficient_funds',
    });
    const row = await paymentRow(102);
    expect(row).toMatchObject({ status: 'failed', failure_code: 'insufficient_funds', attempt_count: 2 });
    expect(new Date(row.next_retry_at).getTime()).toBe(NOW.getTime() + DAY);
    expect(await gw.retryPayment({ paymentId: 102, amountCents: 2900, idempotencyKey: 'k102:3' })).toMatchObject({
      status: 'succeeded',
    });
    expect(await paymentRow(102)).toMatchObject({ status: 'succeeded', attempt_count: 3 });
  });

  it('refuses a hard decline with a non-retryable error and records nothing', async () => {
    await payment(103, { failureCode: 'stolen_card' });
    const gw = createSandboxPaymentGateway(db, clock);
    const err = await gw
      .retryPayment({ paymentId: 103, amountCents: 2900, idempotencyKey: 'k103' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonRetryableError);
    expect(err).toMatchObject({
      name: 'NonRetryableError',
      code: 'hard_decline',
      message: 'payment 103 was hard-declined (stolen_card): never retried',
    });
    expect(await paymentRow(103)).toMatchObject({ status: 'failed', attempt_count: 1, provider_ref: null });
    await expect(gw.retryPayment({ paymentId: 101, amountCents: 2900, idempotencyKey: 'other' })).rejects.toMatchObject(
      { code: 'not_failed' },
    );
  });
});

describe('outbox messenger', () => {
  it('queues one message per idempotency key and returns its id again', async () => {
    const m = createOutboxMessenger(db, clock);
    const req = { userId: 900, template: 't_v1', payload: { a: [1] }, idempotencyKey: 'message:t_v1:900:x' };
    const first = await m.send(req);
    expect(await m.send(req)).toEqual(first);
    const rows = await db('engine.outbox').where({ idempotency_key: req.idempotencyKey });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ user_id: 900, template: 't_v1', payload: { a: [1] } });
  });
});

describe('executeAction', () => {
  it('retries a payment once, marks it executed with its observation window, and audits before/after', async () => {
    await payment(201, { failureCode: 'processing_error' });
    const id = await action('retry_payment', 201, { paymentId: 201, amountCents: 2900, attempt: 2 });
    const r = await executeAction(deps, id);
    expect(r).toMatchObject({
      actionId: id,
      status: 'executed',
      repeated: false,
      effect: { idempotencyKey: 'retry_payment:201:attempt:2', port: 'payments', status: 'succeeded' },
    });
    const a = await actionRow(id);
    expect(a.status).toBe('executed');
    expect(new Date(a.executed_at).toISOString()).toBe(NOW.toISOString());
    expect(new Date(a.outcome_due_at).getTime()).toBe(NOW.getTime() + DAY);
    expect(await paymentRow(201)).toMatchObject({ status: 'succeeded', attempt_count: 2 });
    const audit = await listAudit(db, { cycleId: 'live-1', target: 'payment:201' });
    expect(audit.map((e) => e.event)).toEqual(['effect.started', 'effect.succeeded']);
    expect(audit[1]).toMatchObject({
      actor: 'engine',
      dryRun: false,
      before: { id: 201, status: 'failed', failureCode: 'processing_error', attemptCount: 1 },
      after: { paymentStatus: 'succeeded', after: { status: 'succeeded', attemptCount: 2, failureCode: null } },
    });
    expect((await listAudit(db, { target: id, event: 'action.executed' }))[0]!.after).toMatchObject({
      status: 'executed',
      idempotencyKey: 'retry_payment:201:attempt:2',
    });

    // A retried activity: nothing happens again.
    const again = await executeAction(deps, id);
    expect(again).toMatchObject({
      status: 'executed',
      repeated: true,
      effect: { idempotencyKey: 'retry_payment:201:attempt:2' },
    });
    expect(await effectsOf(id)).toHaveLength(1);
    expect((await paymentRow(201)).attempt_count).toBe(2);
    expect(await listAudit(db, { target: id, event: 'action.executed' })).toHaveLength(1);
  });

  it('two concurrent executions of one action perform one effect', async () => {
    await payment(202, { failureCode: 'issuer_not_available' });
    const id = await action('retry_payment', 202, { paymentId: 202, amountCents: 2900, attempt: 2 });
    const results = await Promise.all([executeAction(deps, id), executeAction(deps, id)]);
    expect(results.map((r) => r.status)).toEqual(['executed', 'executed']);
    expect(await effectsOf(id)).toHaveLength(1);
    expect(await paymentRow(202)).toMatchObject({ status: 'succeeded', attempt_count: 2 });
  });

  it('re-drives an effect left pending by a crash with the same key: the recorded attempt is not repeated', async () => {
    // Crash after the gateway recorded the attempt, before the effect row was completed.
    await payment(203, { failureCode: 'processing_error' });
    const id = await action('retry_payment', 203, { paymentId: 203, amountCents: 2900, attempt: 2 });
    const key = 'retry_payment:203:attempt:2';
    await db('engine.effects').insert({
      idempotency_key: key,
      action_id: id,
      action_type: 'retry_payment',
      port: 'payments',
      target: 'payment:203',
      status: 'pending',
      request: JSON.stringify({ paymentId: 203, attempt: 2, amountCents: 2900 }),
    });
    await createSandboxPaymentGateway(db, clock).retryPayment({
      paymentId: 203,
      amountCents: 2900,
      idempotencyKey: key,
    });
    expect((await paymentRow(203)).attempt_count).toBe(2);
    const r = await executeAction(deps, id);
    expect(r).toMatchObject({ status: 'executed', effect: { idempotencyKey: key, status: 'succeeded' } });
    expect(await paymentRow(203)).toMatchObject({ status: 'succeeded', attempt_count: 2 });

    // Crash after the effect row was inserted, before the gateway was called: the re-drive performs it once.
    await payment(204, { failureCode: 'processing_error' });
    const id2 = await action('retry_payment', 204, { paymentId: 204, amountCents: 2900, attempt: 2 });
    await db('engine.effects').insert({
      idempotency_key: 'retry_payment:204:attempt:2',
      action_id: id2,
      action_type: 'retry_payment',
      port: 'payments',
      target: 'payment:204',
      status: 'pending',
      request: JSON.stringify({ paymentId: 204, attempt: 2, amountCents: 2900 }),
    });
    expect(await executeAction(deps, id2)).toMatchObject({ status: 'executed' });
    expect(await paymentRow(204)).toMatchObject({ status: 'succeeded', attempt_count: 2 });

    // Crash after the effect completed, before the action was marked: finished from the effect row.
    await payment(205, { failureCode: 'processing_error' });
    const id3 = await action('retry_payment', 205, { paymentId: 205, amountCents: 2900, attempt: 2 });
    await executeAction(deps, id3);
    await db('engine.actions')
      .where({ id: id3 })
      .update({ status: 'planned', executed_at: null, outcome_due_at: null });
    expect(await executeAction(deps, id3)).toMatchObject({ status: 'executed', repeated: true });
    expect(await paymentRow(205)).toMatchObject({ attempt_count: 2 });
    expect((await actionRow(id3)).status).toBe('executed');
  });

  it('a declined retry is an executed action with a failed effect (the learn phase measures it)', async () => {
    await payment(206, { failureCode: 'do_not_honor' });
    const id = await action('retry_payment', 206, { paymentId: 206, amountCents: 2900, attempt: 2 });
    expect(await executeAction(deps, id)).toMatchObject({
      status: 'executed',
      effect: { status: 'failed', response: { paymentStatus: 'failed', failureCode: 'do_not_honor' } },
    });
    const row = await paymentRow(206);
    expect(row).toMatchObject({ status: 'failed', failure_code: 'do_not_honor', attempt_count: 2 });
    expect(new Date(row.next_retry_at).getTime()).toBe(NOW.getTime() + DAY);
    expect((await actionRow(id)).outcome_due_at).not.toBeNull();
  });

  it('refuses a hard-decline retry: the action fails with the reason, no effect, the payment untouched', async () => {
    await payment(207, { failureCode: 'stolen_card' });
    const id = await action('retry_payment', 207, { paymentId: 207, amountCents: 2900, attempt: 2 });
    const r = await executeAction(deps, id);
    expect(r).toMatchObject({
      status: 'failed',
      effect: null,
      reason: 'refused: payment 207 was hard-declined (stolen_card); hard declines are never retried',
    });
    expect(await effectsOf(id)).toHaveLength(0);
    expect(await paymentRow(207)).toMatchObject({ status: 'failed', attempt_count: 1, provider_ref: null });
    expect((await listAudit(db, { target: id, event: 'action.failed' }))[0]!.after).toMatchObject({
      status: 'failed',
      before: { failureCode: 'stolen_card' },
    });
  });

  it('fails an action whose payment changed since planning', async () => {
    await payment(208, { failureCode: 'processing_error', attemptCount: 2 });
    const id = await action('retry_payment', 208, { paymentId: 208, amountCents: 2900, attempt: 2 });
    expect(await executeAction(deps, id)).toMatchObject({
      status: 'failed',
      reason: 'payment 208 changed since planning: attempt 3 is next, the plan was for attempt 2',
    });
    expect((await paymentRow(208)).attempt_count).toBe(2);
  });

  it('refuses dry-run actions, actions of dry-run cycles, unapproved and recommended actions', async () => {
    await payment(209, { failureCode: 'processing_error' });
    const dry = await action(
      'retry_payment',
      209,
      { paymentId: 209, amountCents: 2900, attempt: 2 },
      { cycleId: 'dry-1', status: 'dry_run', dryRun: true },
    );
    await expect(executeAction(deps, dry)).rejects.toMatchObject({ name: 'NonRetryableError', code: 'dry_run' });
    // Even a row wrongly marked live and planned is refused when its cycle is a dry run.
    await db('engine.actions').where({ id: dry }).update({ dry_run: false, status: 'planned' });
    await expect(executeAction(deps, dry)).rejects.toMatchObject({ code: 'dry_run' });
    const pending = await action(
      'retry_payment',
      209,
      { paymentId: 209, amountCents: 2900, attempt: 2 },
      { status: 'pending_approval', mode: 'needs_approval' },
    );
    await expect(executeAction(deps, pending)).rejects.toMatchObject({ code: 'not_runnable' });
    const advice = await action(
      'funnel_recommendation',
      'activated',
      {},
      { status: 'recommended', mode: 'recommendation' },
    );
    await expect(executeAction(deps, advice)).rejects.toMatchObject({ code: 'recommendation' });
    const unapproved = await action(
      'upgrade_offer',
      501,
      { userId: 501 },
      { status: 'planned', mode: 'needs_approval' },
    );
    await expect(executeAction(deps, unapproved)).rejects.toMatchObject({ code: 'needs_approval' });
    expect(await paymentRow(209)).toMatchObject({ status: 'failed', attempt_count: 1 });
    expect(await db('engine.effects').whereIn('action_id', [dry, pending])).toHaveLength(0);
    await expect(executeAction(deps, 'no-such-action')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('blocks everything at execution time while the kill switch is on', async () => {
    await payment(210, { failureCode: 'processing_error' });
    const id = await action('retry_payment', 210, { paymentId: 210, amountCents: 2900, attempt: 2 });
    await setPolicy(db, 'kill_switch', { enabled: true }, 'ops', 'incident');
    try {
      expect(await executeAction(deps, id)).toMatchObject({
        status: 'blocked',
        reason: 'kill switch is on: every effect is blocked',
      });
    } finally {
      await setPolicy(db, 'kill_switch', { enabled: false }, 'ops', 'resolved');
    }
    expect((await actionRow(id)).status).toBe('blocked');
    expect(await paymentRow(210)).toMatchObject({ attempt_count: 1 });
    expect(await db('engine.gate_decisions').where({ action_id: id, gate: 'kill_switch' }).first()).toMatchObject({
      passed: false,
    });
  });

  it('cancels an orphaned subscription once, capturing before and after', async () => {
    await db('app.subscriptions').insert({
      id: 301,
      user_id: 9999,
      plan_id: 1,
      status: 'active',
      mrr_cents: 2900,
      started_at: new Date(NOW.getTime() - 90 * DAY),
    });
    const id = await action('cancel_orphaned_subscription', 301, {
      subscriptionId: 301,
      userId: 9999,
      reason: 'missing_user',
    });
    expect(await executeAction(deps, id)).toMatchObject({
      status: 'executed',
      effect: { idempotencyKey: 'cancel_subscription:301', port: 'data', status: 'succeeded' },
    });
    const sub = await db('app.subscriptions').where({ id: 301 }).first();
    expect(sub.status).toBe('canceled');
    expect(new Date(sub.canceled_at).toISOString()).toBe(NOW.toISOString());
    const [done] = await listAudit(db, { target: 'subscription:301', event: 'effect.succeeded' });
    expect(done).toMatchObject({
      before: { id: 301, status: 'active', canceledAt: null },
      after: { changed: true, after: { status: 'canceled', canceledAt: NOW.toISOString() } },
    });
    expect((await actionRow(id)).outcome_due_at).toBeNull();
    // A later cycle planning the same cancellation is a duplicate of the effect, not a second one.
    await db('engine.cycles').insert({
      id: 'live-2',
      kind: 'cycle',
      trigger: 'api',
      requested_by: 'test',
      dry_run: false,
      phases: ['heal'],
      logical_now: NOW,
    });
    const dup = await action('cancel_orphaned_subscription', 301, { subscriptionId: 301 }, { cycleId: 'live-2' });
    expect(await executeAction(deps, dup)).toMatchObject({
      status: 'blocked',
      reason: `duplicate: effect cancel_subscription:301 was already performed by action ${id}`,
    });
    expect(await db('engine.effects').where({ idempotency_key: 'cancel_subscription:301' })).toHaveLength(1);
  });

  it('a pending effect another action left behind is finished through its owner, then the newcomer is a duplicate', async () => {
    await db('app.subscriptions').insert({
      id: 302,
      user_id: 9998,
      plan_id: 1,
      status: 'active',
      mrr_cents: 900,
      started_at: new Date(NOW.getTime() - 90 * DAY),
    });
    const stuck = await action('cancel_orphaned_subscription', 302, { subscriptionId: 302 });
    // The owner's activity died after claiming the key: its phase failed, the row stayed pending.
    await db('engine.effects').insert({
      idempotency_key: 'cancel_subscription:302',
      action_id: stuck,
      action_type: 'cancel_orphaned_subscription',
      port: 'data',
      target: 'subscription:302',
      status: 'pending',
      request: JSON.stringify({ subscriptionId: 302, canceledAt: NOW.toISOString() }),
    });
    const newcomer = await action('cancel_orphaned_subscription', 302, { subscriptionId: 302 }, { cycleId: 'live-2' });
    expect(await executeAction(deps, newcomer)).toMatchObject({
      status: 'blocked',
      reason: `duplicate: effect cancel_subscription:302 was already performed by action ${stuck}`,
    });
    expect(await actionRow(stuck)).toMatchObject({ status: 'executed' });
    expect(await db('engine.effects').where({ idempotency_key: 'cancel_subscription:302' }).first()).toMatchObject({
      status: 'succeeded',
      action_id: stuck,
    });
    expect(await db('app.subscriptions').where({ id: 302 }).first()).toMatchObject({ status: 'canceled' });
  });

  it('normalizes an email only while it is still the planned address', async () => {
    await user(401, { email: '  Bob@Example.COM ' });
    await user(402, { email: 'Carol@Example.com' });
    const ok = await action('normalize_email', 401, {
      userId: 401,
      fromEmail: '  Bob@Example.COM ',
      email: 'bob@example.com',
    });
    expect(await executeAction(deps, ok)).toMatchObject({ status: 'executed' });
    expect((await db('app.users').where({ id: 401 }).first()).email).toBe('bob@example.com');
    const [done] = await listAudit(db, { target: 'user:401', event: 'effect.succeeded' });
    expect(done).toMatchObject({
      before: { email: '  Bob@Example.COM ' },
      after: { after: { email: 'bob@example.com' } },
    });
    const stale = await action('normalize_email', 402, {
      userId: 402,
      fromEmail: 'CAROL@example.com',
      email: 'carol@example.com',
    });
    expect(await executeAction(deps, stale)).toMatchObject({
      status: 'failed',
      reason: "user 402's email changed since it was planned: left unchanged",
    });
    expect((await db('app.users').where({ id: 402 }).first()).email).toBe('Carol@Example.com');
  });

  it('queues a message once, and never to a user who opted out', async () => {
    await user(501);
    await user(502, { optOut: true });
    const id = await action('onboarding_nudge', 501, { userId: 501, template: 'onboarding_nudge_v1' });
    const r = await executeAction(deps, id);
    expect(r).toMatchObject({
      status: 'executed',
      effect: { idempotencyKey: `message:onboarding_nudge_v1:501:${id}`, port: 'messenger', status: 'succeeded' },
    });
    await executeAction(deps, id);
    const out = await db('engine.outbox').where({ user_id: 501 });
    expect(out).toHaveLength(1);
    expect(out[0].payload).toMatchObject({ actionId: id, actionType: 'onboarding_nudge', userId: 501 });
    expect(new Date((await actionRow(id)).outcome_due_at).getTime()).toBe(NOW.getTime() + 7 * DAY);
    const opted = await action('onboarding_nudge', 502, { userId: 502 });
    expect(await executeAction(deps, opted)).toMatchObject({
      status: 'blocked',
      reason: 'recipient: user 502 opted out of marketing messages',
    });
    expect(await db('engine.outbox').where({ user_id: 502 })).toHaveLength(0);
  });
});

describe('approvals', () => {
  it('opens once, records the decision, executes the approved action once, then records executed', async () => {
    await payment(601, { failureCode: 'try_again_later' });
    const id = await action(
      'retry_payment',
      601,
      { paymentId: 601, amountCents: 2900, attempt: 2 },
      { status: 'pending_approval', mode: 'needs_approval' },
    );
    const deadline = new Date(NOW.getTime() + 72 * 3_600_000);
    const opened = await openApproval(db, { actionId: id, workflowId: `approval-${id}`, deadline });
    expect(opened).toMatchObject({ actionId: id, status: 'pending', deadline: deadline.toISOString() });
    expect(await openApproval(db, { actionId: id, workflowId: `approval-${id}`, deadline })).toEqual(opened);
    expect(await listAudit(db, { target: id, event: 'approval.opened' })).toHaveLength(1);

    expect(await markApproval(db, id, 'approved', 'alice', 'customer asked')).toMatchObject({
      changed: true,
      approval: { status: 'approved', decidedBy: 'alice', reason: 'customer asked' },
    });
    expect((await actionRow(id)).status).toBe('approved');
    // The first decision wins.
    expect(await markApproval(db, id, 'rejected', 'bob', 'too late')).toMatchObject({
      changed: false,
      approval: { status: 'approved' },
    });

    const r = await executeApprovedAction(deps, id, { operator: 'alice', reason: 'customer asked' });
    expect(r).toMatchObject({ status: 'executed', repeated: false });
    expect(await paymentRow(601)).toMatchObject({ status: 'succeeded', attempt_count: 2 });
    expect(await db('engine.approvals').where({ action_id: id }).first()).toMatchObject({
      status: 'executed',
      decided_by: 'alice',
    });
    expect(await executeApprovedAction(deps, id, { operator: 'alice', reason: 'customer asked' })).toMatchObject({
      status: 'executed',
      repeated: true,
    });
    expect(await effectsOf(id)).toHaveLength(1);
    expect((await listAudit(db, { target: id, event: 'approval.*' })).map((e) => [e.event, e.actor])).toEqual([
      ['approval.opened', 'engine'],
      ['approval.approved', 'alice'],
      ['approval.executed', 'engine'],
    ]);
  });

  it('a rejected or expired action never executes', async () => {
    await payment(602, { failureCode: 'try_again_later' });
    const id = await action(
      'retry_payment',
      602,
      { paymentId: 602, amountCents: 2900, attempt: 2 },
      { status: 'pending_approval', mode: 'needs_approval' },
    );
    await openApproval(db, { actionId: id, workflowId: `approval-${id}`, deadline: NOW });
    await markApproval(db, id, 'rejected', 'bob', 'not this customer');
    expect(await actionRow(id)).toMatchObject({
      status: 'rejected',
      status_reason: 'rejected by bob: not this customer',
    });
    await expect(executeApprovedAction(deps, id, { operator: 'mallory', reason: 'sneaky' })).rejects.toMatchObject({
      code: 'not_approved',
    });
    expect(await paymentRow(602)).toMatchObject({ attempt_count: 1 });

    const id2 = await action(
      'onboarding_nudge',
      503,
      { userId: 503 },
      { status: 'pending_approval', mode: 'needs_approval' },
    );
    await openApproval(db, { actionId: id2, workflowId: `approval-${id2}`, deadline: NOW });
    await markApproval(db, id2, 'expired', null, 'deadline passed without a decision');
    expect(await actionRow(id2)).toMatchObject({ status: 'expired' });
    await expect(markApproval(db, 'nope', 'approved', 'a', 'b')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('re-checks the kill switch when an approved action finally runs', async () => {
    await payment(603, { failureCode: 'try_again_later' });
    const id = await action(
      'retry_payment',
      603,
      { paymentId: 603, amountCents: 2900, attempt: 2 },
      { status: 'pending_approval', mode: 'needs_approval' },
    );
    await openApproval(db, { actionId: id, workflowId: `approval-${id}`, deadline: NOW });
    await markApproval(db, id, 'approved', 'alice', 'go');
    await setPolicy(db, 'kill_switch', { enabled: true }, 'ops', 'incident');
    try {
      expect(await executeApprovedAction(deps, id, { operator: 'alice', reason: 'go' })).toMatchObject({
        status: 'blocked',
        reason: 'kill switch is on: every effect is blocked',
      });
    } finally {
      await setPolicy(db, 'kill_switch', { enabled: false }, 'ops', 'resolved');
    }
    expect(await paymentRow(603)).toMatchObject({ attempt_count: 1 });
    expect(await db('engine.approvals').where({ action_id: id }).first()).toMatchObject({ status: 'failed' });
    // A retried activity reports the same and still does nothing, even with the kill switch off again.
    expect(await executeApprovedAction(deps, id, { operator: 'alice', reason: 'go' })).toMatchObject({
      status: 'blocked',
      repeated: true,
    });
    expect(await paymentRow(603)).toMatchObject({ attempt_count: 1 });
  });
});
