// The whole autonomous cycle on the real dev server and PostgreSQL, over seeded data with planted
// problems: a dry run changes nothing in `app`; a live run executes each planned effect exactly once;
// a second live run right after repeats none; the kill switch blocks everything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setPolicy } from '../../db/repos/config';
import { HARD_DECLINE_CODES } from '../../engine/detectors/decline-codes';
import { PHASES } from '../../engine/types';
import { seedDemoData } from '../../scripts/seed/generate';
import type { SeedManifest } from '../../scripts/seed/manifest';
import { autonomousCycle } from '../../workflows';
import { campaignWorkflowId } from '../../engine/campaigns/campaign';
import { approvalWorkflowId } from '../../workflows/definitions';
import { appChecksums } from '../helpers/checksums';
import { createTestDb, type TestDb } from '../helpers/db';
import { waitingWorkflowIds } from '../helpers/waiting-workflows';
import { startTestWorker, type TestWorker } from '../helpers/temporal';

const NOW = new Date('2026-11-20T12:00:00.000Z');
let t: TestDb;
let w: TestWorker;
let manifest: SeedManifest;
let seq = 0;

beforeAll(async () => {
  t = await createTestDb('cycle-full');
  manifest = await seedDemoData(t.db, { users: 3000, seed: 11, now: NOW });
  w = await startTestWorker(t.db, { label: 'full' });
});
afterAll(async () => {
  // Approval workflows started by live cycles would wait for days: end them with the test.
  const pending: string[] = await waitingWorkflowIds(t.db);
  await Promise.all(
    pending.map((id) =>
      w.client.workflow
        .getHandle(id)
        .terminate('test finished')
        .catch(() => undefined),
    ),
  );
  await w?.shutdown();
  await t?.drop();
});

async function runCycle(dryRun: boolean) {
  const workflowId = `test-full-${process.pid}-${++seq}`;
  const result = await w.client.workflow.execute(autonomousCycle, {
    workflowId,
    taskQueue: w.taskQueue,
    args: [{ dryRun, trigger: 'api', requestedBy: 'test', now: NOW.toISOString() }],
  });
  return { cycleId: workflowId, result };
}

const countBy = async (table: string, where: Record<string, unknown> = {}) =>
  Number(((await t.db(table).where(where).count({ n: '*' }).first()) as { n: number }).n);

describe('a dry-run cycle', () => {
  let cycleId: string;
  let before: Record<string, string>;
  let result: Awaited<ReturnType<typeof autonomousCycle>>;

  beforeAll(async () => {
    before = await appChecksums(t.db);
    ({ cycleId, result } = await runCycle(true));
  });

  it('runs all seven phases', () => {
    expect(result.phases.map((p) => [p.name, p.status])).toEqual(PHASES.map((p) => [p, 'completed']));
    expect(result.alignmentScore).toBeGreaterThan(0);
  });

  it('leaves every app table byte-for-byte unchanged and performs no effect', async () => {
    expect(await appChecksums(t.db)).toEqual(before);
    expect(await countBy('engine.effects')).toBe(0);
    expect(await countBy('engine.outbox')).toBe(0);
    expect(await countBy('engine.approvals')).toBe(0);
  });

  it('still plans, gates and audits what it would do', async () => {
    const actions: Array<{ id: string; type: string; status: string; target_id: string }> = await t
      .db('engine.actions')
      .where({ cycle_id: cycleId });
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => a.status === 'executed')).toEqual([]);
    expect(new Set(actions.map((a) => a.status))).not.toContain('pending_approval');
    const retries = actions.filter((a) => a.type === 'retry_payment');
    expect(retries).toHaveLength(manifest.planted.retryableFailedPayments);
    const hardIds: number[] = await t
      .db('app.payments')
      .where({ status: 'failed' })
      .whereIn('failure_code', [...HARD_DECLINE_CODES])
      .pluck('id');
    expect(hardIds.length).toBe(manifest.planted.hardDeclines);
    expect(retries.filter((a) => hardIds.includes(Number(a.target_id)))).toEqual([]);
    expect(actions.filter((a) => a.type === 'cancel_orphaned_subscription')).toHaveLength(
      manifest.planted.orphanedActiveSubscriptions,
    );
    expect(actions.filter((a) => a.type === 'normalize_email')).toHaveLength(manifest.planted.unnormalizedEmails);
    const ungated = await t
      .db('engine.actions as a')
      .where('a.cycle_id', cycleId)
      .whereNotExists(t.db('engine.gate_decisions as g').whereRaw('g.action_id = a.id'))
      .count({ n: '*' })
      .first();
    expect(Number(ungated!.n)).toBe(0);
    expect(await countBy('engine.audit_log', { cycle_id: cycleId, dry_run: false })).toBe(0);
    expect(await countBy('engine.audit_log', { cycle_id: cycleId })).toBeGreaterThan(actions.length);
  });

  it('records learnings, decisions and the verification', async () => {
    const kinds: string[] = await t.db('engine.learnings').where({ cycle_id: cycleId }).pluck('kind');
    expect(kinds.sort()).toEqual([
      'action_outcomes',
      'action_uplift',
      'autonomy_ladder',
      'guardrails',
      'high_performers',
      'suggestion_feedback',
    ]);
    const decisions: string[] = await t.db('engine.decisions').where({ cycle_id: cycleId }).pluck('kind');
    expect(decisions).toEqual(
      expect.arrayContaining(['resource_allocation', 'feature_prioritization', 'pricing', 'ml_threshold']),
    );
    const cycle = await t.db('engine.cycles').where({ id: cycleId }).first();
    expect(cycle.status).toBe('completed');
    expect(cycle.alignment_score).toBe(result.alignmentScore);
    expect(cycle.summary.violations).toEqual([]);
  });
});

describe('live cycles', () => {
  let first: { cycleId: string };
  let paymentsBefore: Array<{ id: number; attempt_count: number; failure_code: string | null }>;

  beforeAll(async () => {
    paymentsBefore = await t
      .db('app.payments')
      .where({ status: 'failed' })
      .select('id', 'attempt_count', 'failure_code');
    first = await runCycle(false);
  });

  it('executes each planned effect exactly once', async () => {
    const executed: Array<{ id: string; type: string; target_id: string }> = await t
      .db('engine.actions')
      .where({ cycle_id: first.cycleId, status: 'executed' });
    expect(executed.length).toBeGreaterThan(0);
    const effects: Array<{ action_id: string; status: string; target: string }> = await t.db('engine.effects');
    // Data fixes, payment retries and messages: one effect per executed action, no more.
    const effectful = executed.filter((a) => !['data_fix_review'].includes(a.type));
    expect(effects.filter((e) => effectful.some((a) => a.id === e.action_id))).toHaveLength(effectful.length);
    expect(effects.every((e) => e.status === 'succeeded' || e.status === 'failed')).toBe(true);

    const retried = executed.filter((a) => a.type === 'retry_payment').map((a) => Number(a.target_id));
    expect(retried).toHaveLength(manifest.planted.retryableFailedPayments);
    const after = new Map<number, { attempt_count: number }>(
      (
        await t
          .db('app.payments')
          .whereIn(
            'id',
            paymentsBefore.map((p) => p.id),
          )
          .select('id', 'attempt_count')
      ).map((p: { id: number; attempt_count: number }) => [p.id, p]),
    );
    for (const p of paymentsBefore) {
      expect(after.get(p.id)!.attempt_count, `payment ${p.id} (${p.failure_code})`).toBe(
        p.attempt_count + (retried.includes(p.id) ? 1 : 0),
      );
      if (HARD_DECLINE_CODES.includes(p.failure_code as never)) expect(retried).not.toContain(p.id);
    }
    const orphansLeft = await t
      .db('app.subscriptions as s')
      .leftJoin('app.users as u', 'u.id', 's.user_id')
      .where('s.status', 'active')
      .andWhere((q) => {
        q.whereNull('u.id').orWhereNotNull('u.deleted_at');
      })
      .count({ n: '*' })
      .first();
    expect(Number(orphansLeft!.n)).toBe(0);
    const unnormalized = await t.db
      .raw(`select count(*)::int as n from app.users where email is not null and email <> lower(btrim(email))
      and lower(btrim(email)) ~ '^[a-z0-9._%+-]+@[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]{2,}$'
      and not exists (select 1 from app.users o where o.id <> users.id and lower(btrim(o.email)) = lower(btrim(users.email)))`);
    expect(unnormalized.rows[0].n).toBe(0);
  });

  it('queues what needs an operator as approval workflows without waiting for them', async () => {
    // Payment retries and data fixes wait one by one; messages wait as one campaign per (phase, type).
    const needing = await t
      .db('engine.actions')
      .where({ cycle_id: first.cycleId, status: 'pending_approval' })
      .whereNull('campaign_id')
      .count({ n: '*' })
      .then((r) => Number(r[0]!.n));
    const campaigns: Array<{ id: string; recipients: number }> = await t
      .db('engine.campaigns')
      .where({ cycle_id: first.cycleId, status: 'pending_approval' })
      .select('id', 'recipients');
    expect(needing + campaigns.length).toBeGreaterThan(0);
    // Each approval workflow records its own row when it starts; on a busy machine the last ones may
    // still be starting when the cycle completes, so wait for them (without ever needing more).
    let pending: Array<{ action_id: string; workflow_id: string }> = [];
    await expect
      .poll(async () => (pending = await t.db('engine.approvals').where({ status: 'pending' })).length, {
        timeout: 30_000,
        interval: 100,
      })
      .toBeGreaterThanOrEqual(needing);
    expect(pending).toHaveLength(needing);
    if (pending.length) {
      const desc = await w.client.workflow.getHandle(approvalWorkflowId(pending[0]!.action_id)).describe();
      expect(desc.status.name).toBe('RUNNING');
    }
    for (const c of campaigns) {
      const desc = await w.client.workflow.getHandle(campaignWorkflowId(c.id)).describe();
      expect(desc.status.name).toBe('RUNNING');
      const waiting = await countBy('engine.actions', { campaign_id: c.id, status: 'pending_approval' });
      expect(waiting).toBeGreaterThan(0);
    }
  });

  it('a second live cycle right after repeats no effect', async () => {
    const effectsBefore = await countBy('engine.effects');
    const pendingBefore = await countBy('engine.approvals', { status: 'pending' });
    const second = await runCycle(false);
    const newEffects: Array<{ action_type: string; target: string }> = await t
      .db('engine.effects as e')
      .join('engine.actions as a', 'a.id', 'e.action_id')
      .where('a.cycle_id', second.cycleId)
      .select('e.action_type', 'e.target');
    expect(
      newEffects.filter((e) =>
        ['retry_payment', 'cancel_orphaned_subscription', 'normalize_email'].includes(e.action_type),
      ),
    ).toEqual([]);
    expect(await countBy('engine.effects')).toBe(effectsBefore + newEffects.length);
    // Nobody is messaged twice within the contact window, and no target got the same effect twice.
    const twice = await t.db('engine.outbox').groupBy('user_id').havingRaw('count(*) > 1').select('user_id');
    expect(twice).toEqual([]);
    const dupTargets = await t
      .db('engine.effects')
      .groupBy('action_type', 'target')
      .havingRaw('count(*) > 1')
      .select('action_type', 'target');
    expect(dupTargets).toEqual([]);
    // What still waits for an operator is not queued again (new targets may be).
    const requeued = await t
      .db('engine.actions as a')
      .where('a.cycle_id', second.cycleId)
      .whereExists(
        t
          .db('engine.actions as b')
          .whereRaw('b.type = a.type and b.target_id = a.target_id')
          .where('b.cycle_id', first.cycleId)
          .where('b.status', 'pending_approval'),
      )
      .count({ n: '*' })
      .first();
    expect(Number(requeued!.n)).toBe(0);
    expect(await countBy('engine.approvals', { status: 'pending' })).toBeGreaterThanOrEqual(pendingBefore);
  });

  it('the kill switch blocks every effect, with the reason recorded', async () => {
    await setPolicy(t.db, 'kill_switch', { enabled: true }, 'test', 'incident drill');
    try {
      const effectsBefore = await countBy('engine.effects');
      const before = await appChecksums(t.db);
      // Make a fresh problem so there is something to block.
      await t.db('app.users').where({ id: 1 }).update({ email: ' User1-Kill@Example.com ' });
      const run = await runCycle(false);
      expect(await countBy('engine.effects')).toBe(effectsBefore);
      expect(await countBy('engine.actions', { cycle_id: run.cycleId, status: 'executed' })).toBe(0);
      const normalize = await t
        .db('engine.actions')
        .where({ cycle_id: run.cycleId, type: 'normalize_email', target_id: '1' })
        .first();
      expect(normalize.status).toBe('blocked');
      const gate = await t.db('engine.gate_decisions').where({ action_id: normalize.id, gate: 'kill_switch' }).first();
      expect(gate).toMatchObject({ passed: false });
      expect(gate.reason).toMatch(/kill switch/);
      const after = await appChecksums(t.db);
      expect({ ...after, users: '' }).toEqual({ ...before, users: '' });
    } finally {
      await setPolicy(t.db, 'kill_switch', { enabled: false }, 'test', 'drill over');
    }
  });
});
