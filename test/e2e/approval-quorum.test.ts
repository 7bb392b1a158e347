// Approvals fit for people, on the real dev server, worker and PostgreSQL: a quorum of two distinct operators
// (the same one twice counts once), self-approval refused by the api (403) and by the workflow (a Temporal
// signal that bypasses the api), bulk decisions by cycle and type, and expiry that fails closed — with the
// escalation to admins late in the wait and every vote recorded and audited.
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../db/repos/api-keys';
import { setPolicy } from '../../db/repos/config';
import { classifyDecline } from '../../engine/detectors/decline-codes';
import { seedDemoData } from '../../scripts/seed/generate';
import { actionApproval } from '../../workflows';
import { approvalStateQuery, approvalWorkflowId, approveSignal, type ApprovalInput } from '../../workflows/definitions';
import { createAlertChannels } from '../../worker/alert-channels';
import { problems, slackMessage } from '../helpers/alert-payloads';
import { createTestDb, type TestDb } from '../helpers/db';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver';
import { startTestWorker, type TestWorker } from '../helpers/temporal';
import { insertAction, insertApproval, insertCycle } from './fixtures';
import { problemOf, setupE2E, type E2E } from './harness';

let t: TestDb;
let w: TestWorker;
let e: E2E;
let olga: string;
let slack: HttpReceiver;
// Votes are recorded beside the wait: give a loaded machine time.
const POLL = { timeout: 20_000 };

beforeAll(async () => {
  t = await createTestDb('e2e-approval-quorum');
  await seedDemoData(t.db, { users: 400, seed: 11, now: new Date() });
  // The escalation pages through the alert path: a Slack incoming webhook, checked against Slack's fields.
  slack = await startHttpReceiver(problems(slackMessage));
  const alertChannels = createAlertChannels({
    SLACK_WEBHOOK_URL: `${slack.url}/slack/services/T0/B0/secret`,
    PAGERDUTY_ROUTING_KEY: undefined,
    PAGERDUTY_EVENTS_URL: undefined,
    ALERT_WEBHOOK_URL: undefined,
    ALERT_WEBHOOK_SECRET: undefined,
    PUBLIC_BASE_URL: undefined,
    FLOYO_API_URL: 'http://127.0.0.1:3000',
    TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
    TEMPORAL_NAMESPACE: 'default',
  });
  w = await startTestWorker(t.db, { label: 'e2e-quorum', deps: { alertChannels } });
  e = await setupE2E('approval-quorum', { db: t, taskQueue: w.taskQueue });
  olga = (await createApiKey(t.db, 'olga-operator', 'operator')).key;
  // Any MRR at all needs two approvers here; 1000 users never happens with per-user actions.
  await setPolicy(
    t.db,
    'approval_quorum',
    { approvers: 2, whenUsersAtLeast: 1000, whenMrrCentsAtLeast: 1 },
    'test',
    'quorum on every payment retry',
  );
}, 120_000);
afterAll(async () => {
  await w?.shutdown();
  await slack?.close();
  await e?.close(); // also drops the database
});

/** A live action awaiting approval and its workflow on the real worker. */
async function pendingAction(
  id: string,
  cycleId: string,
  opts: { type?: string; timeoutSeconds?: number; params?: Record<string, unknown>; targetId?: string } = {},
) {
  await insertAction(t.db, { id, cycleId, type: opts.type ?? 'retry_payment' });
  await t
    .db('engine.actions')
    .where({ id })
    .update({
      dry_run: false,
      ...(opts.targetId ? { target_id: opts.targetId } : {}),
      params: JSON.stringify(opts.params ?? { attempt: 2, amountCents: 1900 }),
    });
  const timeoutSeconds = opts.timeoutSeconds ?? 3600;
  const input: ApprovalInput = {
    actionId: id,
    cycleId,
    deadline: new Date(Date.now() + timeoutSeconds * 1000).toISOString(),
    timeoutSeconds,
  };
  const handle = await w.client.workflow.start(actionApproval, {
    workflowId: approvalWorkflowId(id),
    taskQueue: w.taskQueue,
    args: [input],
  });
  e.track(approvalWorkflowId(id));
  await expect.poll(() => t.db('engine.approvals').where({ action_id: id }).first(), { timeout: 15_000 }).toBeTruthy();
  return handle;
}

const decideOne = (actionId: string, decision: 'approve' | 'reject', key: string, reason = 'checked the customer') =>
  e.app.inject({
    method: 'POST',
    url: `/api/autonomous/approvals/${actionId}/${decision}`,
    headers: { authorization: `Bearer ${key}` },
    payload: { reason },
  });

const votes = (actionId: string) =>
  t.db('engine.approval_votes').where({ action_id: actionId }).orderBy('seq').select('operator', 'counted', 'note');

const approvalOf = async (actionId: string) =>
  (await e.app.inject({ method: 'GET', url: '/api/autonomous/approvals?status=all', headers: e.as('viewer') }))
    .json()
    .items.find((a: { actionId: string }) => a.actionId === actionId);

describe('quorum', () => {
  it('needs two distinct operators; the same operator twice (api or Temporal signal) does not count', async () => {
    await insertCycle(t.db, { id: 'c-q', dryRun: false, trigger: 'schedule' });
    // A soft-declined failed payment of the seed, so the approved retry really executes.
    const failed = await t
      .db('app.payments')
      .where({ status: 'failed' })
      .orderBy('id')
      .select('id', 'failure_code', 'attempt_count', 'amount_cents');
    const payment = failed.find((p) => classifyDecline(p.failure_code) === 'soft' && Number(p.attempt_count) < 3)!;
    expect(payment, 'the seed has a soft-declined failed payment').toBeDefined();
    const id = 'act-q1';
    const handle = await pendingAction(id, 'c-q', {
      targetId: String(payment.id),
      params: { attempt: Number(payment.attempt_count) + 1, amountCents: Number(payment.amount_cents) },
    });
    expect(await t.db('engine.approvals').where({ action_id: id }).first()).toMatchObject({
      required_approvers: 2,
      blast_users: 1,
      started_by: null,
    });
    expect(Number((await t.db('engine.approvals').where({ action_id: id }).first()).blast_mrr_cents)).toBe(
      Number(payment.amount_cents),
    );

    expect((await decideOne(id, 'approve', e.keys.operator)).statusCode).toBe(202);
    await expect
      .poll(() => votes(id), POLL)
      .toEqual([{ operator: 'oscar-operator', counted: true, note: '1 of 2 approvals' }]);
    expect(await handle.query(approvalStateQuery)).toMatchObject({
      status: 'pending',
      approvals: ['oscar-operator'],
      requiredApprovers: 2,
    });
    expect(await approvalOf(id)).toMatchObject({
      status: 'pending',
      requiredApprovers: 2,
      approvedBy: ['oscar-operator'],
      blastRadius: { users: 1, mrrCents: Number(payment.amount_cents) },
    });

    // The api refuses a second approve of one operator...
    const again = await decideOne(id, 'approve', e.keys.operator);
    expect(again.statusCode).toBe(409);
    expect(problemOf(again).type).toBe('urn:floyo:problem:approval-already-voted');
    // ...and the workflow does not count one sent past the api, however it is spelled.
    await handle.signal(approveSignal, { operator: ' OSCAR-operator ', reason: 'me again' });
    await expect.poll(async () => (await votes(id)).length, POLL).toBe(2);
    expect((await votes(id))[1]).toMatchObject({ operator: 'OSCAR-operator', counted: false });
    expect((await votes(id))[1]!.note).toMatch(/already approved/);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    const second = await decideOne(id, 'approve', olga, 'second pair of eyes');
    expect(second.statusCode).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'executed', decidedBy: 'oscar-operator, olga-operator' });
    expect(await t.db('engine.approvals').where({ action_id: id }).first()).toMatchObject({
      status: 'executed',
      decided_by: 'oscar-operator, olga-operator',
      reason: 'second pair of eyes',
    });
    const events: string[] = await t.db('engine.audit_log').where({ target: id }).orderBy('id').pluck('event');
    expect(events).toEqual(
      expect.arrayContaining(['approval.vote', 'approval.vote_refused', 'approval.approved', 'action.executed']),
    );
    expect(events.filter((x) => x === 'approval.vote')).toHaveLength(2);
  }, 60_000);
});

describe('self-approval', () => {
  it('is refused 403 by the api and ignored (recorded, audited) by the workflow; a reject is allowed', async () => {
    await insertCycle(t.db, { id: 'c-self', dryRun: false, trigger: 'api' });
    await t.db('engine.cycles').where({ id: 'c-self' }).update({ requested_by: 'oscar-operator' });
    const id = 'act-self1';
    const handle = await pendingAction(id, 'c-self');
    expect((await t.db('engine.approvals').where({ action_id: id }).first()).started_by).toBe('oscar-operator');

    const res = await decideOne(id, 'approve', e.keys.operator);
    expect(res.statusCode).toBe(403);
    const p = problemOf(res);
    expect(p.type).toBe('urn:floyo:problem:self-approval');
    expect(p.detail).toMatch(/oscar-operator started the run of action 'act-self1' by hand/);
    expect(await t.db('engine.audit_log').where({ target: `action:${id}` })).toEqual([]); // nothing was claimed

    // A signal from the Temporal CLI or Web UI reaches the workflow without the api: it refuses the vote too.
    await handle.signal(approveSignal, { operator: 'oscar-operator', reason: 'my own run, trust me' });
    await expect.poll(() => votes(id), POLL).toHaveLength(1);
    expect((await votes(id))[0]).toMatchObject({ operator: 'oscar-operator', counted: false });
    const refused = await t.db('engine.audit_log').where({ target: id, event: 'approval.vote_refused' }).first();
    expect(refused).toMatchObject({ actor: 'oscar-operator' });
    expect(refused.after.note).toMatch(/^self-approval/);
    expect(await handle.query(approvalStateQuery)).toMatchObject({ status: 'pending', approvals: [] });

    expect((await decideOne(id, 'reject', e.keys.operator, 'on second thought, no')).statusCode).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'rejected', decidedBy: 'oscar-operator' });
    expect(await t.db('engine.effects').where({ action_id: id })).toEqual([]);
  }, 60_000);
});

describe('POST /api/autonomous/approvals/decide', () => {
  it('groups pending approvals by cycle and type, and rejects one group with one reason', async () => {
    await insertCycle(t.db, { id: 'c-bulk', dryRun: false, trigger: 'schedule' });
    const handles = {
      b1: await pendingAction('act-bulk1', 'c-bulk'),
      b2: await pendingAction('act-bulk2', 'c-bulk'),
      other: await pendingAction('act-bulk3', 'c-bulk', { type: 'cancel_orphaned_subscription', params: {} }),
    };
    const list = (
      await e.app.inject({ method: 'GET', url: '/api/autonomous/approvals', headers: e.as('viewer') })
    ).json();
    expect(list.groups).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ cycleId: 'c-bulk', type: 'retry_payment', count: 2, needQuorum: 2 }),
        expect.objectContaining({ cycleId: 'c-bulk', type: 'cancel_orphaned_subscription', count: 1, needQuorum: 0 }),
      ]),
    );

    const res = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/approvals/decide',
      headers: e.as('operator'),
      payload: {
        decision: 'reject',
        reason: 'these retries wait for the card update',
        filter: { cycleId: 'c-bulk', type: 'retry_payment' },
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      decision: 'reject',
      operator: 'oscar-operator',
      matched: 2,
      signaled: 2,
      signaledIds: ['act-bulk1', 'act-bulk2'],
      skipped: [],
    });
    expect(await handles.b1.result()).toMatchObject({
      status: 'rejected',
      reason: 'these retries wait for the card update',
    });
    expect(await handles.b2.result()).toMatchObject({ status: 'rejected' });
    expect((await handles.other.describe()).status.name).toBe('RUNNING');
  }, 60_000);

  it('lists what it could not signal, with why', async () => {
    await insertCycle(t.db, { id: 'c-bulk-self', dryRun: false, trigger: 'api' });
    await t.db('engine.cycles').where({ id: 'c-bulk-self' }).update({ requested_by: 'oscar-operator' });
    await pendingAction('act-bulk-self', 'c-bulk-self');
    const res = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/approvals/decide',
      headers: e.as('operator'),
      payload: { decision: 'approve', reason: 'ship it', filter: { actionIds: ['act-bulk-self', 'act-nope'] } },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ matched: 1, signaled: 0 });
    expect(body.skipped).toEqual([
      { actionId: 'act-bulk-self', status: 403, reason: expect.stringMatching(/^Self-approval refused/) },
    ]);
  });

  it('answers 400 problem+json for an empty or invalid filter, 403 for a viewer', async () => {
    for (const payload of [
      { decision: 'approve', reason: 'all of them', filter: {} },
      { decision: 'approve', reason: 'all of them' },
      { decision: 'maybe', reason: 'all of them', filter: { type: 'retry_payment' } },
      { decision: 'approve', reason: 'ok', filter: { actionIds: [] } },
    ]) {
      const res = await e.app.inject({
        method: 'POST',
        url: '/api/autonomous/approvals/decide',
        headers: e.as('operator'),
        payload,
      });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(problemOf(res).status).toBe(400);
    }
    const viewer = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/approvals/decide',
      headers: e.as('viewer'),
      payload: { decision: 'reject', reason: 'nope', filter: { type: 'retry_payment' } },
    });
    expect(viewer.statusCode).toBe(403);
  });
});

describe('expiry', () => {
  it('fails closed: escalated late in the wait, expired at the deadline, and no approve afterwards runs it', async () => {
    await insertCycle(t.db, { id: 'c-exp', dryRun: false, trigger: 'schedule' });
    const id = 'act-exp1';
    const handle = await pendingAction(id, 'c-exp', {
      type: 'cancel_orphaned_subscription',
      params: {},
      timeoutSeconds: 5,
    });
    expect(await handle.result()).toMatchObject({ status: 'expired' });
    expect(await t.db('engine.actions').where({ id }).first()).toMatchObject({
      status: 'expired',
      status_reason: 'approval expired: deadline passed without a decision',
    });
    const row = await t.db('engine.approvals').where({ action_id: id }).first();
    expect(row).toMatchObject({ status: 'expired', decided_by: null });
    // Escalated once at 80% of the wait, as a high finding that resolved with the expiry.
    expect(row.escalated_at).not.toBeNull();
    expect(await t.db('engine.audit_log').where({ target: id, event: 'approval.escalated' })).toHaveLength(1);
    expect(
      await t
        .db('engine.findings')
        .where({ fingerprint: `approvals:escalated:${id}` })
        .first(),
    ).toMatchObject({
      detector: 'approvals',
      severity: 'high',
      status: 'resolved',
    });
    // Paged once on the channel the alert policy routes a high finding to, under the routing's own key.
    const pages = await t.db('engine.alert_deliveries').where({ channel: 'slack' }).select('dedupe_key', 'status');
    expect(pages).toEqual([{ dedupe_key: `approvals:escalated:${id}:slack:trigger:0`, status: 'delivered' }]);
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]!.body).toContain('decide or it expires');

    // A late approve: the api refuses it, a direct signal finds no workflow, and nothing ran.
    const late = await decideOne(id, 'approve', e.keys.operator);
    expect(late.statusCode).toBe(409);
    expect(problemOf(late).type).toBe('urn:floyo:problem:approval-not-pending');
    await expect(handle.signal(approveSignal, { operator: 'olga-operator', reason: 'late' })).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
    expect(await t.db('engine.approvals').where({ action_id: id }).first()).toMatchObject({ status: 'expired' });
    expect(await t.db('engine.effects').where({ action_id: id })).toEqual([]);
  }, 60_000);

  it('never signals a pending approval past its deadline (the api answers 409 approval-expired)', async () => {
    await insertCycle(t.db, { id: 'c-exp2', dryRun: false, trigger: 'schedule' });
    await insertAction(t.db, { id: 'act-exp2', cycleId: 'c-exp2' });
    await insertApproval(t.db, 'act-exp2', 'pending', new Date(Date.now() - 60_000));
    const res = await decideOne('act-exp2', 'approve', e.keys.operator);
    expect(res.statusCode).toBe(409);
    expect(problemOf(res).type).toBe('urn:floyo:problem:approval-expired');
  });
});
