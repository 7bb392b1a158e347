// Approvals over HTTP: the pending list, and approve/reject as signals {operator, reason} to the
// action's actionApproval workflow (no worker runs here: the test reads the signal from its history).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionApproval } from '../../workflows';
import type { ApprovalInput } from '../../workflows/definitions';
import { approvalWorkflowId } from '../../workflows/definitions';
import { insertAction, insertApproval, insertCycle } from './fixtures';
import { problemOf, setupE2E, type E2E } from './harness';

let e: E2E;
// Deadlines ahead of the real clock: the api never signals an approval past its deadline.
const AHEAD = Date.now() + 30 * 86_400_000;
const due = (m: number) => new Date(AHEAD + m * 60_000);
beforeAll(async () => {
  e = await setupE2E('approvals');
  await insertCycle(e.t.db, { id: 'c-ap' });
  for (const id of ['act-a1', 'act-a2', 'act-a3', 'act-done', 'act-gone'])
    await insertAction(e.t.db, { id, cycleId: 'c-ap' });
  await insertApproval(e.t.db, 'act-a1', 'pending', due(600));
  await insertApproval(e.t.db, 'act-a2', 'pending', due(60));
  await insertApproval(e.t.db, 'act-a3', 'pending', due(120));
  await insertApproval(e.t.db, 'act-done', 'approved');
  await e.t
    .db('engine.approvals')
    .where({ action_id: 'act-done' })
    .update({ decided_by: 'alice', reason: 'looked fine' });
  await insertApproval(e.t.db, 'act-gone', 'pending', due(72 * 60));
});
afterAll(async () => {
  await e?.close();
});

async function startApprovalWorkflow(actionId: string): Promise<void> {
  const input: ApprovalInput = {
    actionId,
    cycleId: 'c-ap',
    deadline: due(600).toISOString(),
    timeoutSeconds: 3600,
  };
  await e.client.workflow.start(actionApproval, {
    workflowId: approvalWorkflowId(actionId),
    taskQueue: e.taskQueue,
    args: [input],
  });
  e.track(approvalWorkflowId(actionId));
}

async function signalsOf(workflowId: string): Promise<Array<{ name: string; input: unknown }>> {
  const history = await e.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((ev) => ev.workflowExecutionSignaledEventAttributes)
    .filter((a): a is NonNullable<typeof a> => !!a)
    .map((a) => ({
      name: a.signalName!,
      input: JSON.parse(Buffer.from(a.input!.payloads![0]!.data!).toString('utf8')),
    }));
}

const decide = (
  actionId: string,
  decision: 'approve' | 'reject',
  payload: unknown,
  role: 'viewer' | 'operator' | 'admin' = 'operator',
) =>
  e.app.inject({
    method: 'POST',
    url: `/api/autonomous/approvals/${actionId}/${decision}`,
    headers: e.as(role),
    payload: payload as object,
  });

describe('GET /api/autonomous/approvals', () => {
  it('lists pending approvals by nearest deadline, with their actions', async () => {
    const res = await e.app.inject({ method: 'GET', url: '/api/autonomous/approvals', headers: e.as('viewer') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.total).toBe(4);
    expect(body.items.map((a: { actionId: string }) => a.actionId)).toEqual(['act-a2', 'act-a3', 'act-a1', 'act-gone']);
    expect(body.items[0]).toMatchObject({
      actionId: 'act-a2',
      workflowId: 'approval-act-a2',
      status: 'pending',
      deadline: due(60).toISOString(),
      decidedBy: null,
      action: {
        actionId: 'act-a2',
        cycleId: 'c-ap',
        type: 'retry_payment',
        mode: 'needs_approval',
        status: 'pending_approval',
      },
    });
  });

  it('filters by status, or shows all', async () => {
    const approved = (
      await e.app.inject({ method: 'GET', url: '/api/autonomous/approvals?status=approved', headers: e.as('viewer') })
    ).json();
    expect(approved.items).toHaveLength(1);
    expect(approved.items[0]).toMatchObject({
      actionId: 'act-done',
      status: 'approved',
      decidedBy: 'alice',
      reason: 'looked fine',
    });
    const all = (
      await e.app.inject({ method: 'GET', url: '/api/autonomous/approvals?status=all', headers: e.as('viewer') })
    ).json();
    expect(all.total).toBe(5);
    const bad = await e.app.inject({
      method: 'GET',
      url: '/api/autonomous/approvals?status=maybe',
      headers: e.as('viewer'),
    });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors![0]).toMatchObject({ location: 'querystring', path: 'status' });
  });
});

describe('approve / reject', () => {
  it('signals approve with the key name as operator and answers 202', async () => {
    await startApprovalWorkflow('act-a1');
    const res = await decide('act-a1', 'approve', { reason: '  customer confirmed by phone  ' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({
      actionId: 'act-a1',
      workflowId: 'approval-act-a1',
      decision: 'approve',
      operator: 'oscar-operator',
      reason: 'customer confirmed by phone',
      status: 'signaled',
    });
    expect(await signalsOf('approval-act-a1')).toEqual([
      { name: 'approve', input: { operator: 'oscar-operator', reason: 'customer confirmed by phone' } },
    ]);
    const metrics = await e.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('floyo_api_approvals_decided_total{decision="approve"} 1');
    const audit = await e.t.db('engine.audit_log').where({ target: 'action:act-a1' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: 'oscar-operator',
      cycle_id: 'c-ap',
      event: 'approval.approve_requested',
      dry_run: true,
      before: { status: 'pending' },
    });
    expect(audit[0].after).toEqual({
      decision: 'approve',
      reason: 'customer confirmed by phone',
      workflowId: 'approval-act-a1',
      via: 'api',
      requestId: expect.any(String),
      requiredApprovers: 1,
    });
  });

  it('signals reject', async () => {
    await startApprovalWorkflow('act-a2');
    const res = await decide('act-a2', 'reject', { reason: 'not this customer' }, 'admin');
    expect(res.statusCode).toBe(202);
    expect(await signalsOf('approval-act-a2')).toEqual([
      { name: 'reject', input: { operator: 'bootstrap-admin', reason: 'not this customer' } },
    ]);
  });

  it('answers 409 to a second decision while the first is on its way, naming the first', async () => {
    // act-a2's reject above is signaled; with no worker here its row still says pending.
    const res = await decide('act-a2', 'approve', { reason: 'approve it after all' });
    expect(res.statusCode).toBe(409);
    const p = problemOf(res);
    expect(p.type).toBe('urn:floyo:problem:approval-already-decided');
    expect(p.detail).toMatch(
      /^The approval of action 'act-a2' was already decided: reject requested by bootstrap-admin at \d{4}-/,
    );
    expect(await signalsOf('approval-act-a2')).toEqual([
      { name: 'reject', input: { operator: 'bootstrap-admin', reason: 'not this customer' } },
    ]);
    const audit = await e.t.db('engine.audit_log').where({ target: 'action:act-a2' });
    expect(audit.map((a) => a.event)).toEqual(['approval.reject_requested']);
  });

  it('answers 404 for an action without an approval', async () => {
    const res = await decide('no-such-action', 'approve', { reason: 'looks right' });
    expect(res.statusCode).toBe(404);
    const p = problemOf(res);
    expect(p.type).toBe('urn:floyo:problem:approval-not-found');
    expect(p.detail).toBe(
      "No approval for action 'no-such-action'. GET /api/autonomous/actions?status=awaiting_approval lists the pending ones.",
    );
  });

  it('answers 409 when the approval is no longer pending', async () => {
    const res = await decide('act-done', 'reject', { reason: 'changed my mind' });
    expect(res.statusCode).toBe(409);
    expect(problemOf(res).detail).toBe(
      "The approval of action 'act-done' is no longer pending: it is approved (by alice).",
    );
  });

  it('answers 409 when the row says pending but its workflow is gone', async () => {
    const res = await decide('act-gone', 'approve', { reason: 'please run it' });
    expect(res.statusCode).toBe(409);
    expect(problemOf(res).detail).toContain("'approval-act-gone' is no longer running");
  });

  it('validates the reason and the body', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'reason'],
      [{ reason: '' }, 'reason'],
      [{ reason: '   ' }, 'reason'],
      [{ reason: 'ok' }, 'reason'],
      [{ reason: 42 }, 'reason'],
      [{ reason: 'fine by me', operator: 'someone-else' }, ''],
    ];
    for (const [payload, path] of cases) {
      const res = await decide('act-a3', 'approve', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      const p = problemOf(res);
      expect(p.errors!.map((x) => x.path)).toEqual([path]);
    }
    const short = problemOf(await decide('act-a3', 'reject', { reason: 'no' }));
    expect(short.detail).toBe('Invalid request body: reason: reason must say why, in at least 3 characters');
    const missing = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/approvals/act-a3/approve',
      headers: e.as('operator'),
    });
    expect(missing.statusCode).toBe(400);
    expect(problemOf(missing).detail).toBe('Invalid request body: a JSON body {"reason": "..."} is required');
  });
});
