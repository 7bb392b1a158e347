// Approvals from Slack end to end on the real dev server: the approval workflow posts each request with
// Approve / Reject buttons to a local HTTP receiver standing in for Slack's Web API (chat.postMessage,
// chat.update), reminds in its thread and updates it with the outcome; a signed interaction request to the
// real api decides an approval exactly like the api does and the action executes through its workflow;
// unsigned, tampered, stale, malformed and unknown-user requests change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../api/app';
import { slackSignature } from '../../api/slack-signature';
import { createSlackApi } from '../../activities/slack/web-api';
import { createApiKey } from '../../db/repos/api-keys';
import { setPolicy } from '../../db/repos/config';
import { approvalReminderLeads } from '../../engine/approvals/reminder-leads';
import { SLACK_APPROVE_ACTION_ID, SLACK_REJECT_ACTION_ID } from '../../platform/slack-approval-message';
import { parseSlackOperators } from '../../platform/slack-operators';
import { seedDemoData } from '../../scripts/seed/generate';
import { temporalApprovalStarter } from '../../worker/approval-starter';
import { actionApproval, autonomousCycle } from '../../workflows';
import { approvalWorkflowId } from '../../workflows/definitions';
import { createTestDb, type TestDb } from '../helpers/db';
import { waitingWorkflowIds } from '../helpers/waiting-workflows';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from '../helpers/http-receiver';
import { startTestWorker, type TestWorker } from '../helpers/temporal';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const TOKEN = 'xoxb-test-token';
const SECRET = 'slack-test-signing-secret';
const CHANNEL_ID = 'C0APPROVALS';
const WORKSPACE = 'https://floyo-test.slack.com';

let t: TestDb;
let w: TestWorker;
let app: App;
let slack: HttpReceiver;
let viewerKey: string;
let seq = 0;

// What Slack's Web API documents for chat.postMessage / chat.update: the bot token as a bearer, a channel,
// text, blocks (JSON), and a ts for updates and threads.
function validateSlackCall(req: ReceivedRequest): string | null {
  if (req.method !== 'POST') return 'POST expected';
  if (req.headers.authorization !== `Bearer ${TOKEN}`) return 'invalid_auth';
  const form = new URLSearchParams(req.body);
  if (!form.get('channel')) return 'channel_not_found';
  if (!form.get('text')) return 'no_text';
  if (req.path === '/api/chat.update' && !form.get('ts')) return 'message_not_found';
  if (!['/api/chat.postMessage', '/api/chat.update'].includes(req.path)) return 'unknown_method';
  try {
    if (!Array.isArray(JSON.parse(form.get('blocks') ?? ''))) return 'invalid_blocks';
  } catch {
    return 'invalid_blocks';
  }
  return null;
}

const calls = (method: string) =>
  slack.requests
    .filter((r) => r.path === `/api/${method}`)
    .map((r) => {
      const form = new URLSearchParams(r.body);
      return {
        channel: form.get('channel'),
        text: form.get('text') ?? '',
        ts: form.get('ts'),
        threadTs: form.get('thread_ts'),
        blocks: JSON.parse(form.get('blocks') ?? '[]') as Array<Record<string, any>>,
      };
    });

const mentions = (actionId: string) => (c: { blocks: unknown[] }) => JSON.stringify(c.blocks).includes(actionId);

async function eventually<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  t = await createTestDb('slack-approvals');
  await seedDemoData(t.db, { users: 1500, seed: 5, now: NOW });
  slack = await startHttpReceiver(validateSlackCall);
  // Distinct ts per answer, as Slack gives each message its own.
  slack.reply(
    ...Array.from({ length: 400 }, (_, i) => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ok: true, channel: CHANNEL_ID, ts: `1763640000.${String(i + 1).padStart(6, '0')}` }),
    })),
  );
  w = await startTestWorker(t.db, {
    label: 'slack-approvals',
    deps: {
      slack: {
        api: createSlackApi({ token: TOKEN, apiBase: `${slack.url}/api/` }),
        channel: '#approvals',
        workspaceUrl: WORKSPACE,
        approvalsUrl: 'http://127.0.0.1:3000/approvals',
      },
    },
    // Short test deadlines get a reminder halfway; real ones the production leads.
    approvals: (client, taskQueue) =>
      temporalApprovalStarter(client, taskQueue, {
        reminderLeads: (timeout) => (timeout < 60 ? [timeout / 2] : approvalReminderLeads(timeout)),
      }),
  });
  app = await buildApp({
    db: t.db,
    temporal: { client: w.client, namespace: w.client.options.namespace, taskQueue: w.taskQueue },
    slack: { signingSecret: SECRET, operators: parseSlackOperators('UALICE=alice:operator,UVERA=vera:viewer') },
  });
  await app.ready();
  viewerKey = (await createApiKey(t.db, 'slack-test-viewer', 'viewer')).key;
});
afterAll(async () => {
  const pending: string[] = t ? await waitingWorkflowIds(t.db) : [];
  await Promise.all(
    pending.map((id) =>
      w.client.workflow
        .getHandle(id)
        .terminate('test finished')
        .catch(() => undefined),
    ),
  );
  await app?.close();
  await w?.shutdown();
  await slack?.close();
  await t?.drop();
});

async function liveHealReviews(): Promise<string[]> {
  const workflowId = `test-slack-approvals-${process.pid}-${++seq}`;
  await w.client.workflow.execute(autonomousCycle, {
    workflowId,
    taskQueue: w.taskQueue,
    args: [{ dryRun: false, trigger: 'api', requestedBy: 'test', phases: ['analyze', 'heal'], now: NOW.toISOString() }],
  });
  return t
    .db('engine.approvals as ap')
    .join('engine.actions as a', 'a.id', 'ap.action_id')
    .where({ 'a.cycle_id': workflowId, 'a.type': 'data_fix_review' })
    .orderBy('a.id')
    .pluck('a.id');
}

function click(actionId: string, button: string, userId: string): string {
  const payload = {
    type: 'block_actions',
    user: { id: userId, username: userId.toLowerCase() },
    actions: [{ action_id: button, value: actionId, action_ts: '1763640100.000001' }],
    channel: { id: CHANNEL_ID },
    message: { ts: '1763640000.000001' },
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function interact(body: string, opts: { timestamp?: number; signature?: string | null } = {}) {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = opts.signature === undefined ? slackSignature(SECRET, timestamp, body) : opts.signature;
  return app.inject({
    method: 'POST',
    url: '/api/integrations/slack/interactions',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      ...(signature ? { 'x-slack-signature': signature } : {}),
    },
    payload: body,
  });
}

describe('approval messages in Slack', () => {
  it('reminds in the thread before the deadline, then shows the expiry', async () => {
    await setPolicy(t.db, 'approval', { deadlineHours: 6 / 3600 }, 'test', 'expire quickly');
    const ids = await liveHealReviews();
    expect(ids.length).toBeGreaterThanOrEqual(1);
    const id = ids[0]!;
    for (const a of ids) await w.client.workflow.getHandle<typeof actionApproval>(approvalWorkflowId(a)).result();
    const row = await t.db('engine.slack_approval_messages').where({ action_id: id }).first();
    expect(row).toMatchObject({ channel: CHANNEL_ID, reminders_sent: 1, outcome: 'expired' });
    const reminder = calls('chat.postMessage').find((c) => c.threadTs === row.ts);
    expect(reminder?.text).toMatch(/Still waiting for a decision/);
    const update = calls('chat.update').find((c) => c.ts === row.ts);
    expect(update).toMatchObject({ channel: CHANNEL_ID });
    expect(update!.text).toMatch(/^Expired without a decision/);
    expect(JSON.stringify(update!.blocks)).not.toContain(SLACK_APPROVE_ACTION_ID);
    const events: string[] = await t.db('engine.audit_log').where({ target: id }).pluck('event');
    expect(events).toEqual(
      expect.arrayContaining(['approval.slack_posted', 'approval.slack_reminded', 'approval.slack_updated']),
    );
  }, 90_000);

  describe('decided from Slack', () => {
    let ids: string[];
    let ts: string;
    beforeAll(async () => {
      await setPolicy(t.db, 'approval', { deadlineHours: 72 }, 'test', 'normal deadline');
      ids = await liveHealReviews();
      const id = ids[0]!;
      ts = await eventually('the posted request', async () => {
        const r = await t.db('engine.slack_approval_messages').where({ action_id: id }).first();
        return r?.ts as string | undefined;
      });
    }, 90_000);

    it('posts the request with Approve / Reject buttons once, and the api shows its Slack link', async () => {
      const id = ids[0]!;
      const posts = calls('chat.postMessage').filter((c) => !c.threadTs && mentions(id)(c));
      expect(posts).toHaveLength(1);
      const post = posts[0]!;
      expect(post.channel).toBe('#approvals');
      expect(post.text).toMatch(/^Approval needed: data fix review/);
      const actions = post.blocks.find((b) => b.type === 'actions')!;
      expect(actions.elements.map((e: { action_id?: string; value?: string }) => [e.action_id, e.value])).toEqual([
        [SLACK_APPROVE_ACTION_ID, id],
        [SLACK_REJECT_ACTION_ID, id],
        [undefined, undefined],
      ]);
      expect(actions.elements[2].url).toBe('http://127.0.0.1:3000/approvals');
      // A retried post activity finds the message and posts nothing.
      expect(await w.activities.postApprovalToSlack({ actionId: id })).toMatchObject({ sent: false });
      expect(calls('chat.postMessage').filter((c) => !c.threadTs && mentions(id)(c))).toHaveLength(1);
      const res = await app.inject({
        method: 'GET',
        url: '/api/autonomous/approvals',
        headers: { authorization: `Bearer ${viewerKey}` },
      });
      const mine = (res.json().items as Array<{ actionId: string; slackUrl: string | null }>).find(
        (a) => a.actionId === id,
      );
      expect(mine?.slackUrl).toBe(`${WORKSPACE}/archives/${CHANNEL_ID}/p${ts.replace('.', '')}`);
    });

    it('refuses unsigned, tampered and stale requests with 401 and changes nothing', async () => {
      const id = ids[0]!;
      const body = click(id, SLACK_APPROVE_ACTION_ID, 'UALICE');
      const now = Math.floor(Date.now() / 1000);
      const unsigned = await interact(body, { signature: null });
      const tampered = await interact(body.replace('UALICE', 'UMALLORY'), {
        signature: slackSignature(SECRET, String(now), body),
      });
      const stale = await interact(body, { timestamp: now - 400 });
      for (const res of [unsigned, tampered, stale]) {
        expect(res.statusCode).toBe(401);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
      expect(stale.json().detail).toMatch(/stale/);
      expect(await t.db('engine.approvals').where({ action_id: id }).first()).toMatchObject({ status: 'pending' });
      expect(await t.db('engine.audit_log').where({ target: `action:${id}` })).toEqual([]);
    });

    it('answers a malformed payload with 400', async () => {
      for (const body of [
        'payload=not-json',
        'nothing=here',
        `payload=${encodeURIComponent('{"type":"view_submission"}')}`,
      ]) {
        const res = await interact(body);
        expect(res.statusCode).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    });

    it('refuses an unknown Slack user and a viewer with 403, and audits it', async () => {
      const id = ids[0]!;
      const unknown = await interact(click(id, SLACK_APPROVE_ACTION_ID, 'UNOBODY'));
      expect(unknown.statusCode).toBe(403);
      expect(unknown.json().detail).toMatch(/not mapped/);
      const viewer = await interact(click(id, SLACK_APPROVE_ACTION_ID, 'UVERA'));
      expect(viewer.statusCode).toBe(403);
      expect(viewer.json().detail).toMatch(/viewer/);
      const refusals = await t
        .db('engine.audit_log')
        .where({ target: `action:${id}`, event: 'approval.slack_refused' })
        .orderBy('id');
      expect(refusals.map((r) => r.actor)).toEqual(['slack:UNOBODY', 'slack:UVERA']);
      expect(await t.db('engine.approvals').where({ action_id: id }).first()).toMatchObject({ status: 'pending' });
    });

    it('executes an action approved in Slack through its workflow and updates the message', async () => {
      const id = ids[0]!;
      const res = await interact(click(id, SLACK_APPROVE_ACTION_ID, 'UALICE'));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ actionId: id, decision: 'approve', operator: 'alice', status: 'signaled' });
      const state = await w.client.workflow.getHandle<typeof actionApproval>(approvalWorkflowId(id)).result();
      expect(state).toMatchObject({ status: 'executed', decidedBy: 'alice', reason: 'approved in Slack by @ualice' });
      expect(await t.db('engine.actions').where({ id }).first()).toMatchObject({ status: 'executed' });
      const requested = await t
        .db('engine.audit_log')
        .where({ target: `action:${id}`, event: 'approval.approve_requested' })
        .first();
      expect(requested).toMatchObject({ actor: 'alice' });
      expect(requested.after).toMatchObject({ via: 'slack', slackUserId: 'UALICE' });
      const updates = calls('chat.update').filter((c) => c.ts === ts);
      // The decision, shown while the action runs (or already its result: the update reads the approval's
      // current status), then the execution's result; no buttons left.
      expect(updates).toHaveLength(2);
      expect(updates[0]!.text).toMatch(/^Approved (and executed )?by alice at \S+: data fix review/);
      expect(updates[1]!.text).toMatch(/^Approved and executed by alice at /);
      expect(JSON.stringify(updates[1]!.blocks)).not.toContain(SLACK_APPROVE_ACTION_ID);
      expect(await t.db('engine.slack_approval_messages').where({ action_id: id }).first()).toMatchObject({
        outcome: 'executed',
      });
      // Deciding it again from Slack is the api's 409.
      expect((await interact(click(id, SLACK_REJECT_ACTION_ID, 'UALICE'))).statusCode).toBe(409);
    }, 60_000);

    it('records a rejection from Slack and never executes', async () => {
      const id = ids[1]!;
      const res = await interact(click(id, SLACK_REJECT_ACTION_ID, 'UALICE'));
      expect(res.statusCode).toBe(200);
      expect(await w.client.workflow.getHandle<typeof actionApproval>(approvalWorkflowId(id)).result()).toMatchObject({
        status: 'rejected',
        decidedBy: 'alice',
      });
      expect(await t.db('engine.effects').where({ action_id: id })).toEqual([]);
      const row = await t.db('engine.slack_approval_messages').where({ action_id: id }).first();
      expect(row.outcome).toBe('rejected');
      const update = calls('chat.update').find((c) => c.ts === row.ts);
      expect(update!.text).toMatch(/^Rejected by alice/);
    }, 60_000);
  });
});
