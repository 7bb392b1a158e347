// Findings and actions over HTTP: filtered lists, one of each (an action with its gates, approval and
// effects), approve/reject through /actions (signals to the approval workflow, no worker here),
// cycles' keyset pagination and filters, and the live-mode switch of the schedules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionApproval } from '../../workflows';
import { approvalWorkflowId, type ApprovalInput } from '../../workflows/definitions';
import { insertAction, insertApproval, insertCycle, insertFinding, minutes } from './fixtures';
import { problemOf, setupE2E, type E2E } from './harness';

let e: E2E;
// Deadlines ahead of the real clock: the api never signals an approval past its deadline.
const AHEAD = Date.now() + 30 * 86_400_000;
const due = (m: number) => new Date(AHEAD + m * 60_000);
let highId: number;
beforeAll(async () => {
  e = await setupE2E('findings-actions');
  for (let i = 0; i < 7; i++) {
    await insertCycle(e.t.db, {
      id: `c-fa-${i}`,
      startedAt: minutes(i * 10),
      dryRun: i % 2 === 0,
      trigger: i < 3 ? 'schedule' : 'api',
    });
  }
  highId = await insertFinding(e.t.db, {
    fingerprint: 'data_quality:dup_email',
    category: 'issue',
    severity: 'high',
    cycleId: 'c-fa-1',
  });
  await insertFinding(e.t.db, {
    fingerprint: 'data_quality:critical_one',
    category: 'issue',
    severity: 'critical',
    cycleId: 'c-fa-1',
  });
  await insertFinding(e.t.db, {
    fingerprint: 'kpi:activation',
    category: 'opportunity',
    severity: 'medium',
    cycleId: 'c-fa-1',
  });
  await insertFinding(e.t.db, {
    fingerprint: 'data_quality:old',
    category: 'issue',
    severity: 'low',
    cycleId: 'c-fa-0',
    status: 'resolved',
  });

  await insertAction(e.t.db, { id: 'act-w1', cycleId: 'c-fa-1' });
  await insertAction(e.t.db, { id: 'act-w2', cycleId: 'c-fa-1', type: 'onboarding_nudge', phase: 'optimize' });
  await insertAction(e.t.db, { id: 'act-x1', cycleId: 'c-fa-1', status: 'executed', mode: 'auto' });
  await insertApproval(e.t.db, 'act-w1', 'pending', due(600));
  await insertApproval(e.t.db, 'act-w2', 'pending', due(60));
  await e.t.db('engine.gate_decisions').insert([
    { action_id: 'act-x1', gate: 'kill_switch', passed: true, reason: 'off' },
    { action_id: 'act-x1', gate: 'confidence', passed: true, reason: '0.91 >= 0.75' },
  ]);
  await e.t.db('engine.effects').insert({
    idempotency_key: 'act-x1:payment:1',
    action_id: 'act-x1',
    action_type: 'retry_payment',
    port: 'payments',
    target: 'payment:1',
    status: 'succeeded',
    request: JSON.stringify({ paymentId: 1 }),
    response: JSON.stringify({ status: 'succeeded' }),
    completed_at: minutes(1),
  });
});
afterAll(async () => {
  await e?.close();
});

const get = (url: string, role: 'viewer' | 'operator' | 'admin' = 'viewer') =>
  e.app.inject({ method: 'GET', url, headers: e.as(role) });

describe('GET /api/autonomous/findings', () => {
  it('lists open findings, most severe first, with filters', async () => {
    const open = (await get('/api/autonomous/findings')).json();
    expect(open.total).toBe(3);
    expect(open.items.map((f: { severity: string }) => f.severity)).toEqual(['critical', 'high', 'medium']);
    const issues = (await get('/api/autonomous/findings?category=opportunity')).json();
    expect(issues.items.map((f: { fingerprint: string }) => f.fingerprint)).toEqual(['kpi:activation']);
    const all = (await get('/api/autonomous/findings?status=all&severity=low')).json();
    expect(all.items.map((f: { status: string }) => f.status)).toEqual(['resolved']);
  });

  it('returns one finding, 404 for an unknown id and 400 for a malformed one', async () => {
    const one = await get(`/api/autonomous/findings/${highId}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: highId, severity: 'high', evidence: { count: 3 } });
    expect(problemOf(await get('/api/autonomous/findings/999999')).status).toBe(404);
    const bad = problemOf(await get('/api/autonomous/findings/abc'));
    expect(bad.status).toBe(400);
    expect(bad.errors?.[0]?.path).toBe('findingId');
  });
});

describe('GET /api/autonomous/actions', () => {
  it('awaiting_approval is the queue, nearest deadline first, with deadlines', async () => {
    const res = (await get('/api/autonomous/actions?status=awaiting_approval')).json();
    expect(res.items.map((a: { actionId: string }) => a.actionId)).toEqual(['act-w2', 'act-w1']);
    expect(res.items[0].approvalDeadline).toBe(due(60).toISOString());
    const nudges = (await get('/api/autonomous/actions?type=onboarding_nudge')).json();
    expect(nudges.items.map((a: { actionId: string }) => a.actionId)).toEqual(['act-w2']);
    expect((await get('/api/autonomous/actions?status=executed&cycleId=c-fa-1')).json().total).toBe(1);
  });

  it('one action carries its gates, approval and effects', async () => {
    const x1 = (await get('/api/autonomous/actions/act-x1')).json();
    expect(x1.gates.map((g: { gate: string }) => g.gate)).toEqual(['kill_switch', 'confidence']);
    expect(x1.effects).toEqual([
      expect.objectContaining({ idempotencyKey: 'act-x1:payment:1', status: 'succeeded', port: 'payments' }),
    ]);
    expect(x1.approval).toBeNull();
    const w1 = (await get('/api/autonomous/actions/act-w1')).json();
    expect(w1.approval).toMatchObject({ status: 'pending', workflowId: 'approval-act-w1' });
    expect(problemOf(await get('/api/autonomous/actions/nope')).status).toBe(404);
  });

  it('rejects unknown statuses with the offending field', async () => {
    const p = problemOf(await get('/api/autonomous/actions?status=waiting'));
    expect(p.status).toBe(400);
    expect(p.errors?.[0]).toMatchObject({ location: 'querystring', path: 'status' });
  });

  it('approve through /actions signals the approval workflow and is audited with the key name', async () => {
    const input: ApprovalInput = {
      actionId: 'act-w1',
      cycleId: 'c-fa-1',
      deadline: due(600).toISOString(),
      timeoutSeconds: 3600,
    };
    await e.client.workflow.start(actionApproval, {
      workflowId: approvalWorkflowId('act-w1'),
      taskQueue: e.taskQueue,
      args: [input],
    });
    e.track(approvalWorkflowId('act-w1'));
    const viewer = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/actions/act-w1/approve',
      headers: e.as('viewer'),
      payload: { reason: 'looks right' },
    });
    expect(problemOf(viewer).status).toBe(403);
    const res = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/actions/act-w1/approve',
      headers: e.as('operator'),
      payload: { reason: 'looks right' },
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({
      actionId: 'act-w1',
      decision: 'approve',
      operator: 'oscar-operator',
      status: 'signaled',
    });
    const history = await e.client.workflow.getHandle(approvalWorkflowId('act-w1')).fetchHistory();
    const signal = history.events?.find(
      (ev) => ev.workflowExecutionSignaledEventAttributes,
    )?.workflowExecutionSignaledEventAttributes;
    expect(signal?.signalName).toBe('approve');
    const audit = await e.t
      .db('engine.audit_log')
      .where({ event: 'approval.approve_requested', target: 'action:act-w1' })
      .first();
    expect(audit.actor).toBe('oscar-operator');
    const missingReason = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/actions/act-w2/reject',
      headers: e.as('operator'),
      payload: {},
    });
    expect(problemOf(missingReason).errors?.[0]?.path).toBe('reason');
  });
});

describe('GET /api/autonomous/cycles pagination and filters', () => {
  it('walks every cycle exactly once with the cursor, newest first', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const body: { items: Array<{ cycleId: string }>; nextCursor: string | null; total: number } = (
        await get(`/api/autonomous/cycles?limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      expect(body.total).toBe(7);
      seen.push(...body.items.map((c) => c.cycleId));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(['c-fa-6', 'c-fa-5', 'c-fa-4', 'c-fa-3', 'c-fa-2', 'c-fa-1', 'c-fa-0']);
  });

  it('filters by trigger, dry-run and start time; a forged cursor is a 400', async () => {
    const sched = (await get('/api/autonomous/cycles?trigger=schedule&dryRun=true')).json();
    expect(sched.items.map((c: { cycleId: string }) => c.cycleId)).toEqual(['c-fa-2', 'c-fa-0']);
    const window = (
      await get(`/api/autonomous/cycles?since=${minutes(20).toISOString()}&until=${minutes(40).toISOString()}`)
    ).json();
    expect(window.items.map((c: { cycleId: string }) => c.cycleId)).toEqual(['c-fa-3', 'c-fa-2']);
    const forged = problemOf(await get('/api/autonomous/cycles?cursor=bm90LW91cnM'));
    expect(forged.status).toBe(400);
    expect(forged.type).toBe('urn:floyo:problem:invalid-cursor');
  });
});

describe('live mode of the schedules', () => {
  it('is off by default; only an admin turns it on, with a reason, versioned', async () => {
    const before = (await get('/api/autonomous/schedules/live-mode')).json();
    expect(before.enabled).toBe(false);
    const op = await e.app.inject({
      method: 'PUT',
      url: '/api/autonomous/schedules/live-mode',
      headers: e.as('operator'),
      payload: { enabled: true, reason: 'go live' },
    });
    expect(problemOf(op).status).toBe(403);
    const res = await e.app.inject({
      method: 'PUT',
      url: '/api/autonomous/schedules/live-mode',
      headers: e.as('admin'),
      payload: { enabled: true, reason: 'go live after review' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      enabled: true,
      reason: 'go live after review',
      version: (before.version ?? 0) + 1,
    });
    const policies = (await get('/api/autonomous/policies')).json();
    expect(policies.items.find((p: { name: string }) => p.name === 'live_mode').value).toEqual({ enabled: true });
  });
});
