// Change freezes against a real PostgreSQL: the repository (soft delete, audit), and the gate in the pipeline and
// the executor. During a freeze a live action is blocked with the freeze in its reason and no effect row, whether
// auto, approved later, or planned before the window opened; a dry-run cycle is not blocked; after the window the
// same kind of action runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db';
import type { Db } from '../../db/knex';
import { executeApprovedAction, markApproval, openApproval } from '../../activities/effects/approvals';
import { executeAction, type EffectDeps } from '../../activities/effects/executor';
import { createOutboxMessenger } from '../../activities/effects/outbox-messenger';
import { processPlans } from '../../activities/effects/pipeline';
import { createSandboxPaymentGateway } from '../../activities/effects/sandbox-payment-gateway';
import { listAudit } from '../../db/repos/audit';
import {
  createChangeFreeze,
  deleteChangeFreeze,
  listActiveFreezeWindows,
  listChangeFreezes,
} from '../../db/repos/change-freezes';
import { setPolicy } from '../../db/repos/config';
import { gateClassOf } from '../../engine/planning/gate-classes';
import type { ActionPlan } from '../../engine/types';

// Black Friday 2026 in New York: 2026-11-27 00:00 -05:00 to 2026-11-30 06:00 -05:00.
const DURING = new Date('2026-11-28T12:00:00.000Z');
const AFTER = new Date('2026-11-30T12:00:00.000Z');
const DAY = 86_400_000;
const REASON = "change freeze 'Black Friday' (America/New_York) until 2026-11-30 06:00 -05:00: no effects run";

let t: TestDb;
let db: Db;
let clock = DURING;
let deps: EffectDeps;
let freezeId: number;

beforeAll(async () => {
  t = await createTestDb('change-freeze');
  db = t.db;
  const now = () => clock;
  deps = { db, payments: createSandboxPaymentGateway(db, now), messenger: createOutboxMessenger(db, now), now };
  await setPolicy(db, 'holdout', { default: 0 }, 'test', 'no control group in freeze tests');
  // A strong posterior (retry_payment is at auto on the ladder already), so only the freeze can stop a retry.
  await db('engine.action_stats')
    .insert({ action_type: 'retry_payment', alpha: 60, beta: 1, successes: 59, failures: 0 })
    .onConflict('action_type')
    .merge();
  const created = await createChangeFreeze(
    db,
    {
      kind: 'one_off',
      name: 'Black Friday',
      reason: 'peak traffic: no changes',
      timezone: 'America/New_York',
      startsAt: '2026-11-27T00:00:00-05:00',
      endsAt: '2026-11-30T06:00:00-05:00',
    },
    'alice',
  );
  freezeId = created.window.id;
});
afterAll(() => t?.drop());

async function cycle(id: string, dryRun: boolean, logicalNow: Date): Promise<string> {
  await db('engine.cycles').insert({
    id,
    kind: 'cycle',
    trigger: 'api',
    requested_by: 'test',
    dry_run: dryRun,
    phases: ['heal'],
    logical_now: logicalNow,
  });
  return id;
}

async function failedPayment(id: number) {
  await db('app.payments').insert({
    id,
    subscription_id: id,
    amount_cents: 2900,
    status: 'failed',
    failure_code: 'processing_error',
    attempted_at: new Date(DURING.getTime() - 2 * DAY),
    attempt_count: 1,
    next_retry_at: new Date(DURING.getTime() - DAY),
  });
}

const retry = (id: number): ActionPlan => ({
  phase: 'heal',
  type: 'retry_payment',
  gateClass: gateClassOf('retry_payment'),
  targetType: 'payment',
  targetId: String(id),
  params: { paymentId: id, amountCents: 2900, attempt: 2 },
  findingFingerprint: null,
  detectionConfidence: 1,
  expectedImpact: {},
  executable: true,
});

/** An action row as the pipeline stores it (planned auto, or as given). */
async function action(cycleId: string, paymentId: number, o: { status?: string; mode?: string } = {}) {
  const id = `${cycleId}:retry_payment:${paymentId}`;
  await db('engine.actions').insert({
    id,
    cycle_id: cycleId,
    phase: 'heal',
    type: 'retry_payment',
    target_type: 'payment',
    target_id: String(paymentId),
    params: JSON.stringify({ paymentId, amountCents: 2900, attempt: 2 }),
    detection_confidence: 1,
    confidence: 0.95,
    mode: o.mode ?? 'auto',
    status: o.status ?? 'planned',
    dry_run: false,
  });
  return id;
}

const actionRow = (id: string) => db('engine.actions').where({ id }).first();
const effectsOf = (id: string) => db('engine.effects').where({ action_id: id });
const gateOf = (id: string) => db('engine.gate_decisions').where({ action_id: id, gate: 'change_freeze' }).first();

describe('change freeze repository', () => {
  it('creates, lists and soft-deletes a window, auditing each write', async () => {
    const extra = await createChangeFreeze(
      db,
      {
        kind: 'recurring',
        name: 'Weekend',
        reason: 'nobody on call',
        timezone: 'Europe/Berlin',
        cron: '0 18 * * 5',
        durationMinutes: 3600,
      },
      'bob',
    );
    expect(extra).toMatchObject({
      window: { kind: 'recurring', cron: '0 18 * * 5', durationMinutes: 3600, timezone: 'Europe/Berlin' },
      createdBy: 'bob',
      deletedAt: null,
    });
    expect((await listActiveFreezeWindows(db)).map((w) => w.name)).toEqual(['Black Friday', 'Weekend']);

    const removed = await deleteChangeFreeze(db, extra.window.id, 'carol');
    expect(removed).toMatchObject({ removed: true, record: { deletedBy: 'carol' } });
    expect(await deleteChangeFreeze(db, extra.window.id, 'carol')).toMatchObject({ removed: false });
    expect(await deleteChangeFreeze(db, 999_999, 'carol')).toBeNull();
    expect((await listActiveFreezeWindows(db)).map((w) => w.name)).toEqual(['Black Friday']);
    // Kept on record for the audit trail.
    expect((await listChangeFreezes(db, { includeDeleted: true })).map((r) => r.window.name)).toEqual([
      'Black Friday',
      'Weekend',
    ]);
    const audit = await listAudit(db, { target: `change_freeze:${extra.window.id}` });
    expect(audit.map((e) => [e.event, e.actor])).toEqual([
      ['change_freeze.created', 'bob'],
      ['change_freeze.deleted', 'carol'],
    ]);
    expect(await listAudit(db, { target: `change_freeze:${freezeId}` })).toHaveLength(1);
  });
});

describe('the change_freeze gate', () => {
  it('a live cycle during the freeze blocks the action with the freeze in its reason and no effect', async () => {
    clock = DURING;
    await failedPayment(101);
    const c = await cycle('live-during', false, DURING);
    const r = await processPlans(deps, { cycleId: c, phase: 'heal', dryRun: false, plans: [retry(101)] });
    expect(r.blocked).toEqual([`${c}:retry_payment:101`]);
    const a = await actionRow(r.blocked[0]!);
    expect(a).toMatchObject({ status: 'blocked', status_reason: REASON });
    expect(await gateOf(a.id)).toMatchObject({ passed: false, reason: REASON });
    expect(await effectsOf(a.id)).toHaveLength(0);
    expect(await db('app.payments').where({ id: 101 }).first()).toMatchObject({ attempt_count: 1 });
  });

  it('the same plan in a dry-run cycle is not blocked: it records what would happen, the freeze shown', async () => {
    await failedPayment(102);
    const c = await cycle('dry-during', true, DURING);
    const r = await processPlans(deps, { cycleId: c, phase: 'heal', dryRun: true, plans: [retry(102)] });
    expect(r.dryRun).toEqual([`${c}:retry_payment:102`]);
    expect(await actionRow(r.dryRun[0]!)).toMatchObject({
      status: 'dry_run',
      status_reason: 'dry run: would execute (all gates passed)',
    });
    expect(await gateOf(r.dryRun[0]!)).toMatchObject({
      passed: true,
      reason: expect.stringContaining("change freeze 'Black Friday'"),
    });
    expect(await effectsOf(r.dryRun[0]!)).toHaveLength(0);
  });

  it('an action planned before the window opened is blocked when it executes during it', async () => {
    await failedPayment(103);
    const c = await cycle('live-before', false, new Date('2026-11-26T12:00:00Z'));
    const id = await action(c, 103);
    const r = await executeAction(deps, id);
    expect(r).toMatchObject({ status: 'blocked', reason: REASON, effect: null });
    expect(await gateOf(id)).toMatchObject({ passed: false, details: { checkedAt: 'execution', freezeId } });
    expect(await effectsOf(id)).toHaveLength(0);
    expect(await listAudit(db, { target: id, event: 'action.blocked' })).toHaveLength(1);
  });

  it('an action an operator approves is blocked when executed during the freeze', async () => {
    await failedPayment(104);
    const c = await cycle('live-approval', false, new Date('2026-11-26T12:00:00Z'));
    const id = await action(c, 104, { status: 'pending_approval', mode: 'needs_approval' });
    await openApproval(db, { actionId: id, workflowId: `approval-${id}`, deadline: new Date(DURING.getTime() + DAY) });
    await markApproval(db, id, 'approved', 'alice', 'customer asked');
    const r = await executeApprovedAction(deps, id, { operator: 'alice', reason: 'customer asked' });
    expect(r).toMatchObject({ status: 'blocked', reason: REASON });
    expect(await actionRow(id)).toMatchObject({ status: 'blocked' });
    expect(await effectsOf(id)).toHaveLength(0);
  });

  it('a re-driven effect (left pending by a crash) is blocked during the freeze, the pending effect named, the port not called', async () => {
    await failedPayment(107);
    const c = await cycle('live-redrive', false, AFTER);
    const id = await action(c, 107);
    const sandbox = createSandboxPaymentGateway(db, () => clock);
    let crash = true;
    const crashing: EffectDeps = {
      ...deps,
      payments: {
        retryPayment: async (r) => {
          if (crash) throw new Error('connection reset');
          return sandbox.retryPayment(r);
        },
      },
    };
    clock = AFTER;
    try {
      await expect(executeAction(crashing, id)).rejects.toThrow('connection reset');
      expect(await effectsOf(id)).toMatchObject([{ status: 'pending' }]);
      clock = DURING;
      const blocked = await executeAction(crashing, id);
      expect(blocked.status).toBe('blocked');
      expect(blocked.reason).toMatch(new RegExp(`^${REASON.replace(/[()']/g, '.')}; effect \\S+ is still pending`));
      expect(await db('app.payments').where({ id: 107 }).first()).toMatchObject({ attempt_count: 1 });
    } finally {
      clock = DURING;
      crash = false;
    }
  });

  it('after the window, a live action runs', async () => {
    clock = AFTER;
    try {
      await failedPayment(105);
      const c = await cycle('live-after', false, AFTER);
      const r = await processPlans(deps, { cycleId: c, phase: 'heal', dryRun: false, plans: [retry(105)] });
      expect(r.executed).toEqual([`${c}:retry_payment:105`]);
      expect(await gateOf(r.executed[0]!)).toBeUndefined();
      expect(await effectsOf(r.executed[0]!)).toHaveLength(1);
      expect(await db('app.payments').where({ id: 105 }).first()).toMatchObject({ attempt_count: 2 });
    } finally {
      clock = DURING;
    }
  });

  it('a removed window no longer blocks', async () => {
    const tmp = await createChangeFreeze(
      db,
      {
        kind: 'one_off',
        name: 'Short',
        reason: 'removed at once',
        timezone: 'UTC',
        startsAt: '2026-12-10T00:00:00Z',
        endsAt: '2026-12-11T00:00:00Z',
      },
      'alice',
    );
    clock = new Date('2026-12-10T12:00:00Z');
    try {
      await failedPayment(106);
      const c = await cycle('live-removed', false, clock);
      const id = await action(c, 106);
      await deleteChangeFreeze(db, tmp.window.id, 'alice');
      expect(await executeAction(deps, id)).toMatchObject({ status: 'executed' });
    } finally {
      clock = DURING;
    }
  });
});
