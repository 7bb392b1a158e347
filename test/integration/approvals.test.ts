// Approvals by signal on the real dev server: an action below its gate waits in its own
// actionApproval workflow; approve (here through the Temporal CLI, as an operator would), reject,
// and deadline expiry each end it exactly once, and the cycle never waited for any of them.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { setPolicy } from '../../db/repos/config';
import { seedDemoData } from '../../scripts/seed/generate';
import { loadDevConfig } from '../../scripts/lib/dev-config';
import { resolveTemporalCli } from '../../scripts/lib/temporal-cli';
import { actionApproval, autonomousCycle } from '../../workflows';
import { approvalStateQuery, approvalWorkflowId, rejectSignal, type ApprovalInput } from '../../workflows/definitions';
import { createTestDb, type TestDb } from '../helpers/db';
import { waitingWorkflowIds } from '../helpers/waiting-workflows';
import { startTestWorker, type TestWorker } from '../helpers/temporal';

const NOW = new Date('2026-11-20T12:00:00.000Z');
let t: TestDb;
let w: TestWorker;
let seq = 0;

beforeAll(async () => {
  t = await createTestDb('approvals');
  await seedDemoData(t.db, { users: 1500, seed: 5, now: NOW });
  w = await startTestWorker(t.db, { label: 'approvals' });
});
afterAll(async () => {
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

async function liveHeal(): Promise<string> {
  const workflowId = `test-approvals-${process.pid}-${++seq}`;
  await w.client.workflow.execute(autonomousCycle, {
    workflowId,
    taskQueue: w.taskQueue,
    args: [{ dryRun: false, trigger: 'api', requestedBy: 'test', phases: ['analyze', 'heal'], now: NOW.toISOString() }],
  });
  return workflowId;
}

/** The data-fix reviews of a cycle that were sent for approval (whatever happened to them since). */
async function reviewActions(cycleId: string): Promise<string[]> {
  return t
    .db('engine.approvals as ap')
    .join('engine.actions as a', 'a.id', 'ap.action_id')
    .where({ 'a.cycle_id': cycleId, 'a.type': 'data_fix_review' })
    .orderBy('a.id')
    .pluck('a.id');
}

describe('actionApproval', () => {
  it('expires an action nobody decided on before its deadline', async () => {
    await setPolicy(t.db, 'approval', { deadlineHours: 2 / 3600 }, 'test', 'expire quickly');
    const cycleId = await liveHeal();
    const ids = await reviewActions(cycleId);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    const state = await w.client.workflow.getHandle<typeof actionApproval>(approvalWorkflowId(ids[0]!)).result();
    expect(state).toMatchObject({ actionId: ids[0], status: 'expired' });
    expect(await t.db('engine.approvals').where({ action_id: ids[0] }).first()).toMatchObject({
      status: 'expired',
      decided_by: null,
    });
    expect(await t.db('engine.actions').where({ id: ids[0] }).first()).toMatchObject({ status: 'expired' });
    expect(await t.db('engine.audit_log').where({ target: ids[0], event: 'approval.expired' }).first()).toBeTruthy();
    // Let the rest of that batch expire too before the next test queues new ones.
    for (const id of ids.slice(1)) await w.client.workflow.getHandle(approvalWorkflowId(id)).result();
  });

  describe('with a deadline far away', () => {
    let ids: string[];
    beforeAll(async () => {
      await setPolicy(t.db, 'approval', { deadlineHours: 72 }, 'test', 'normal deadline');
      ids = await reviewActions(await liveHeal());
    });

    it('queues the review again once the earlier approval expired, with a waiting workflow per action', async () => {
      expect(ids.length).toBeGreaterThanOrEqual(2);
      const handle = w.client.workflow.getHandle(approvalWorkflowId(ids[0]!));
      expect((await handle.describe()).status.name).toBe('RUNNING');
      expect(await handle.query(approvalStateQuery)).toMatchObject({ actionId: ids[0], status: 'pending' });
    });

    it('executes once when approved with the Temporal CLI', async () => {
      const cli = await resolveTemporalCli(loadDevConfig(), () => undefined);
      const workflowId = approvalWorkflowId(ids[0]!);
      await promisify(execFile)(cli, [
        'workflow',
        'signal',
        '--address',
        inject('temporalAddress'),
        '--namespace',
        inject('temporalNamespace'),
        '--workflow-id',
        workflowId,
        '--name',
        'approve',
        '--input',
        JSON.stringify({ operator: 'alice', reason: 'checked the records' }),
      ]);
      const state = await w.client.workflow.getHandle<typeof actionApproval>(workflowId).result();
      expect(state).toMatchObject({ status: 'executed', decidedBy: 'alice', reason: 'checked the records' });
      expect(await t.db('engine.approvals').where({ action_id: ids[0] }).first()).toMatchObject({
        status: 'executed',
        decided_by: 'alice',
      });
      expect(await t.db('engine.actions').where({ id: ids[0] }).first()).toMatchObject({ status: 'executed' });
      const events: string[] = await t.db('engine.audit_log').where({ target: ids[0] }).orderBy('id').pluck('event');
      expect(events).toEqual(expect.arrayContaining(['approval.approved', 'action.executed']));
    });

    it('records a rejection with the operator and reason, and never executes', async () => {
      const handle = w.client.workflow.getHandle<typeof actionApproval>(approvalWorkflowId(ids[1]!));
      await handle.signal(rejectSignal, { operator: 'bob', reason: 'the records are right as they are' });
      // A second, contradicting decision is ignored: the first one wins.
      await handle.signal('approve', { operator: 'mallory', reason: 'too late' }).catch(() => undefined);
      expect(await handle.result()).toMatchObject({ status: 'rejected', decidedBy: 'bob' });
      expect(await t.db('engine.approvals').where({ action_id: ids[1] }).first()).toMatchObject({
        status: 'rejected',
        decided_by: 'bob',
        reason: 'the records are right as they are',
      });
      expect(await t.db('engine.actions').where({ id: ids[1] }).first()).toMatchObject({ status: 'rejected' });
      expect(await t.db('engine.effects').where({ action_id: ids[1] })).toEqual([]);
    });

    it('fails a malformed approval start fast and non-retryably', async () => {
      await expect(
        w.client.workflow.execute(actionApproval, {
          workflowId: `bad-approval-${process.pid}`,
          taskQueue: w.taskQueue,
          // Deliberately malformed, as a CLI start could send it.
          args: [{ actionId: '' } as unknown as ApprovalInput],
        }),
      ).rejects.toThrow(/Workflow execution failed/);
    });
  });
});
