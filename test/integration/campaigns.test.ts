// Campaigns on the real dev server and PostgreSQL: a phase's message actions of one type become one campaign,
// decided once; its campaignRollout workflow sends along the ramp, halts at MaxErrors, obeys pause, resume and
// cancel, and ends every recipient it did not reach with a reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxMessenger } from '../../activities/effects/outbox-messenger';
import { createWebhookMessenger } from '../../activities/effects/webhook-messenger';
import { processPlans, type EffectDeps } from '../../activities/effects/pipeline';
import { createSandboxPaymentGateway } from '../../activities/effects/sandbox-payment-gateway';
import { ensurePhaseCampaigns } from '../../activities/campaigns';
import { setPolicy } from '../../db/repos/config';
import { getCampaign } from '../../db/repos/campaigns';
import type { Db } from '../../db/knex';
import { campaignIdOf, campaignWorkflowId } from '../../engine/campaigns/campaign';
import type { RolloutProgress } from '../../engine/campaigns/rollout';
import type { ActionPlan } from '../../engine/types';
import { DEFAULT_POLICIES } from '../../engine/safety/config-schema';
import { campaignRollout } from '../../workflows/campaign-rollout';
import { campaignProgressQuery, pauseCampaignSignal, resumeCampaignSignal } from '../../workflows/definitions';
import { createTestDb, type TestDb } from '../helpers/db';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver';
import { startTestWorker, type TestWorker } from '../helpers/temporal';
import { createAlertChannels } from '../../worker/alert-channels';

const NOW = new Date();
const DAY = 86_400_000;
const USERS = 40;

let t: TestDb;
let db: Db;
let w: TestWorker;
let failing: TestWorker;
let receiver: HttpReceiver;
let slack: HttpReceiver;
let alerting: TestWorker;
let n = 0;

beforeAll(async () => {
  t = await createTestDb('campaigns');
  db = t.db;
  await setPolicy(db, 'holdout', { default: 0 }, 'test', 'no control group: every recipient is sent to');
  await db('app.users').insert(
    Array.from({ length: USERS }, (_, i) => ({
      id: i + 1,
      email: `user${i + 1}@example.com`,
      created_at: new Date(NOW.getTime() - 30 * DAY),
    })),
  );
  w = await startTestWorker(db, { label: 'campaigns' });
  // The same workflows with a messenger whose receiver refuses every message (a 400): every send fails.
  receiver = await startHttpReceiver(undefined, { status: 400, body: 'unknown template' });
  failing = await startTestWorker(db, {
    label: 'campaigns-failing',
    deps: {
      messenger: createWebhookMessenger({
        url: receiver.url,
        secret: `whsec_${Buffer.from('floyo-campaign-test-secret-32-bytes').toString('base64')}`,
      }),
    },
  });
  // The same workflows with a Slack alert channel on a local receiver: reminders and escalations page there.
  slack = await startHttpReceiver();
  alerting = await startTestWorker(db, {
    label: 'campaigns-alerting',
    deps: {
      alertChannels: createAlertChannels({
        SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/secret`,
        PAGERDUTY_ROUTING_KEY: undefined,
        PAGERDUTY_EVENTS_URL: undefined,
        ALERT_WEBHOOK_URL: undefined,
        ALERT_WEBHOOK_SECRET: undefined,
        PUBLIC_BASE_URL: undefined,
        FLOYO_API_URL: 'http://127.0.0.1:3000',
        TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
        TEMPORAL_NAMESPACE: 'default',
      }),
    },
  });
}, 60_000);
afterAll(async () => {
  await w?.shutdown();
  await failing?.shutdown();
  await alerting?.shutdown();
  await receiver?.close();
  await slack?.close();
  await t?.drop();
});

/** A live cycle whose optimize phase planned one retention message per user; `learned` decides auto vs approval. */
async function plannedCampaign(learned: boolean): Promise<string> {
  const cycleId = `c${++n}`;
  await db('engine.cycles').insert({
    id: cycleId,
    kind: 'cycle',
    trigger: 'api',
    requested_by: 'test',
    dry_run: false,
    phases: ['optimize'],
    logical_now: NOW,
  });
  await db('engine.action_stats')
    .insert({ action_type: 'retention_campaign', alpha: learned ? 60 : 1, beta: 1, successes: 0, failures: 0 })
    .onConflict('action_type')
    .merge();
  // Each cycle messages users nobody messaged yet, so the contact cap never gets in the way.
  await db('engine.outbox').del();
  const plans: ActionPlan[] = Array.from({ length: USERS }, (_, i) => ({
    phase: 'optimize',
    type: 'retention_campaign',
    gateClass: 'optimization',
    targetType: 'user',
    targetId: String(i + 1),
    params: { userId: i + 1, template: 'retention_campaign_v1' },
    findingFingerprint: null,
    detectionConfidence: 1,
    expectedImpact: {},
    executable: true,
  }));
  const deps: EffectDeps = {
    db,
    payments: createSandboxPaymentGateway(db, () => NOW),
    messenger: createOutboxMessenger(db),
    now: () => NOW,
  };
  await processPlans(deps, {
    cycleId,
    phase: 'optimize',
    dryRun: false,
    now: NOW,
    plans,
    markPlanned: true,
    execute: false,
  });
  const ids = await ensurePhaseCampaigns(
    { db },
    { cycleId, kind: 'cycle', dryRun: false, now: NOW.toISOString() },
    'optimize',
  );
  expect(ids).toEqual([campaignIdOf(cycleId, 'optimize', 'retention_campaign')]);
  return ids[0]!;
}

const statusCounts = async (campaignId: string) =>
  Object.fromEntries(
    (
      await db('engine.actions').where({ campaign_id: campaignId }).groupBy('status').select('status').count({ n: '*' })
    ).map((r: Record<string, any>) => [r.status, Number(r.n)]),
  );

const start = (worker: TestWorker, campaignId: string) =>
  worker.client.workflow.start(campaignRollout, {
    taskQueue: worker.taskQueue,
    workflowId: campaignWorkflowId(campaignId),
    args: [{ campaignId }],
  });

describe('a campaign', () => {
  it('is one row per (cycle, phase, type) with its cohort, recipients, expected impact and a preview', async () => {
    const id = await plannedCampaign(true);
    const c = (await getCampaign(db, id))!;
    expect(c).toMatchObject({
      status: 'approved',
      type: 'retention_campaign',
      size: USERS,
      recipients: USERS,
      heldOut: 0,
    });
    expect(c.cohort.definition).toMatch(/inactive/);
    expect(c.preview.recipients).toHaveLength(20);
    expect(c.preview.recipients![0]).toEqual({ userId: 1, email: 'user1@example.com' });
    expect(c.preview.message?.subject).toBeTruthy();
    expect(c.expectedImpact).toMatchObject({ recipients: USERS });
    const impact = c.expectedImpact as { expectedSuccesses: number; interval: { low: number; high: number } };
    expect(impact.interval.low).toBeLessThanOrEqual(impact.expectedSuccesses);
    expect(impact.interval.high).toBeGreaterThanOrEqual(impact.expectedSuccesses);
    // Linking is idempotent: a retried phase finds the same campaign and links nothing twice.
    const again = await ensurePhaseCampaigns(
      { db },
      { cycleId: c.cycleId, kind: 'cycle', dryRun: false, now: NOW.toISOString() },
      'optimize',
    );
    expect(again).toEqual([id]);
    const seqs = await db('engine.actions').where({ campaign_id: id }).orderBy('campaign_seq').pluck('campaign_seq');
    expect(seqs).toEqual(Array.from({ length: USERS }, (_, i) => i + 1));
  });

  it('admitted by the gates, rolls out along the ramp and sends each recipient exactly once', async () => {
    const id = await plannedCampaign(true);
    const h = await start(w, id);
    const result: RolloutProgress = await h.result();
    expect(result).toMatchObject({
      status: 'completed',
      waves: 4,
      wave: 4,
      reached: USERS,
      executed: USERS,
      failed: 0,
    });
    expect(await statusCounts(id)).toEqual({ executed: USERS });
    const outbox = await db('engine.outbox').groupBy('user_id').select('user_id').count({ n: '*' });
    expect(outbox).toHaveLength(USERS);
    expect(outbox.every((r: Record<string, any>) => Number(r.n) === 1)).toBe(true);
    const c = (await getCampaign(db, id))!;
    expect(c.status).toBe('completed');
    expect(c.progress).toMatchObject({ status: 'completed', reached: USERS });
    const events = await db('engine.audit_log').where({ target: id }).orderBy('id').pluck('event');
    expect(events).toEqual(['campaign.planned', 'campaign.started', 'campaign.completed']);
  });

  it('below its confidence gate, waits for one approval and then sends', async () => {
    const id = await plannedCampaign(false);
    expect((await getCampaign(db, id))!.status).toBe('pending_approval');
    expect(await statusCounts(id)).toEqual({ pending_approval: USERS });
    const h = await start(w, id);
    await expect
      .poll(async () => (await h.query(campaignProgressQuery)).status, { timeout: 10_000 })
      .toBe('awaiting_approval');
    expect(
      await db('engine.outbox')
        .count({ n: '*' })
        .then((r) => Number(r[0]!.n)),
    ).toBe(0);
    await h.signal('approve', { operator: 'alice', reason: 'reviewed the preview' });
    expect(await h.result()).toMatchObject({ status: 'completed', executed: USERS });
    const c = (await getCampaign(db, id))!;
    expect(c).toMatchObject({ status: 'completed', decidedBy: 'alice', decisionReason: 'reviewed the preview' });
  });

  it('rejected, sends nothing and every recipient ends rejected with the reason', async () => {
    const id = await plannedCampaign(false);
    const h = await start(w, id);
    await h.signal('reject', { operator: 'bob', reason: 'wrong season' });
    expect(await h.result()).toMatchObject({ status: 'rejected' });
    expect(await statusCounts(id)).toEqual({ rejected: USERS });
    const reasons = await db('engine.actions')
      .where({ campaign_id: id })
      .distinct('status_reason')
      .pluck('status_reason');
    expect(reasons).toEqual(['campaign rejected by bob: wrong season']);
    expect(
      await db('engine.outbox')
        .count({ n: '*' })
        .then((r) => Number(r[0]!.n)),
    ).toBe(0);
  });

  it('halts at MaxErrors after the first wave when its sends fail, and the rest end blocked with why', async () => {
    const id = await plannedCampaign(true);
    const result = await (await start(failing, id)).result();
    // Ramp 1% → 5% → 25% → 100% of 40: the first wave is one recipient; its failure is 100% > 10%.
    expect(result).toMatchObject({ status: 'halted', wave: 1, reached: 1, failed: 1 });
    expect(result.reason).toMatch(/1 of 1 sends failed .* MaxErrors 10\.0%/);
    expect(receiver.requests).toHaveLength(1);
    expect(await statusCounts(id)).toEqual({ failed: 1, blocked: USERS - 1 });
    const blocked = await db('engine.actions').where({ campaign_id: id, status: 'blocked' }).first();
    expect(blocked.status_reason).toMatch(/^campaign halted: 1 of 1 sends failed/);
    expect((await getCampaign(db, id))!.status).toBe('halted');
  });

  it('pauses between waves, resumes, and a cancel ends the unreached recipients', async () => {
    await setPolicy(
      db,
      'campaign_rollout',
      { ...DEFAULT_POLICIES.campaign_rollout, waveIntervalSeconds: 2 },
      'test',
      'time to signal between waves',
    );
    try {
      const id = await plannedCampaign(true);
      const h = await start(w, id);
      await h.signal(pauseCampaignSignal, { operator: 'carol', reason: 'checking complaints' });
      await expect.poll(async () => (await getCampaign(db, id))!.status, { timeout: 15_000 }).toBe('paused');
      const sent = (await statusCounts(id)).executed ?? 0;
      expect(sent).toBeLessThan(USERS);
      await new Promise((r) => setTimeout(r, 3000));
      expect((await statusCounts(id)).executed ?? 0).toBe(sent); // nothing goes out while paused
      expect(await h.query(campaignProgressQuery)).toMatchObject({ status: 'paused', pausedBy: 'carol' });
      await h.signal(resumeCampaignSignal, { operator: 'carol', reason: 'complaints are fine' });
      await expect.poll(async () => (await statusCounts(id)).executed ?? 0, { timeout: 15_000 }).toBeGreaterThan(sent);
      await h.signal('cancel', { operator: 'dave', reason: 'budget spent' });
      const result = await h.result();
      expect(['cancelled', 'completed']).toContain(result.status);
      const counts = await statusCounts(id);
      if (result.status === 'cancelled') {
        expect(counts.executed! + counts.blocked!).toBe(USERS);
        const blocked = await db('engine.actions').where({ campaign_id: id, status: 'blocked' }).first();
        expect(blocked.status_reason).toBe('campaign cancelled by dave: budget spent');
      } else expect(counts).toEqual({ executed: USERS });
      const events = await db('engine.audit_log').where({ target: id }).orderBy('id').pluck('event');
      expect(events).toEqual(expect.arrayContaining(['campaign.paused', 'campaign.resumed']));
    } finally {
      await setPolicy(db, 'campaign_rollout', DEFAULT_POLICIES.campaign_rollout, 'test', 'back to the default');
    }
  });

  it('waits out a change freeze before a wave: nothing is sent or blocked during it', async () => {
    const id = await plannedCampaign(true);
    const endsAt = new Date(Date.now() + 4000);
    await db('engine.change_freezes').insert({
      name: 'deploy',
      reason: 'release night',
      kind: 'one_off',
      starts_at: new Date(Date.now() - 60_000),
      ends_at: endsAt,
      timezone: 'UTC',
      created_by: 'test',
    });
    try {
      const h = await start(w, id);
      await expect
        .poll(async () => (await h.query(campaignProgressQuery)).reason ?? '', { timeout: 10_000 })
        .toMatch(/change freeze 'deploy'.*the rollout waits/);
      expect(await statusCounts(id)).toEqual({ planned: USERS });
      expect(await h.result()).toMatchObject({ status: 'completed', executed: USERS });
      const first = await db('engine.actions').where({ campaign_id: id }).min({ at: 'executed_at' }).first();
      expect(new Date(first!.at as string).getTime()).toBeGreaterThanOrEqual(endsAt.getTime());
    } finally {
      await db('engine.change_freezes').del();
    }
  });

  it('pauses itself on a minor guardrail breach of its type until an operator resumes; a major one cancels it', async () => {
    const breach = (verdict: 'breach_minor' | 'breach_major') => ({
      action_type: 'retention_campaign',
      metric: verdict === 'breach_minor' ? 'unsubscribe' : 'churn',
      verdict,
      action: verdict === 'breach_minor' ? 'pause' : 'cancel_and_demote',
      severity: verdict === 'breach_minor' ? 'minor' : 'major',
      margin: 0.01,
      treated: JSON.stringify({ actions: 900, users: 900, affected: 90, events: 90, rate: 0.1 }),
      holdout: JSON.stringify({ actions: 100, users: 100, affected: 1, events: 1, rate: 0.01 }),
      difference: 0.09,
      p_value: 0.0001,
      alpha: 0.01,
      reason: verdict === 'breach_minor' ? 'unsubscribes 10.0% vs 1.0%' : 'churn 10.0% vs 1.0%',
      definition_version: 1,
      cycle_id: 'c1',
      evaluated_at: NOW,
    });
    await db('engine.guardrail_results').insert(breach('breach_minor'));
    try {
      const id = await plannedCampaign(true);
      const h = await start(w, id);
      await expect.poll(async () => (await getCampaign(db, id))!.status, { timeout: 10_000 }).toBe('paused');
      expect((await getCampaign(db, id))!.statusReason).toMatch(/^paused by engine: guardrail breach: unsubscribes/);
      expect(await statusCounts(id)).toEqual({ planned: USERS });
      await h.signal(resumeCampaignSignal, { operator: 'erin', reason: 'the unsubscribes were a list import' });
      expect(await h.result()).toMatchObject({ status: 'completed', executed: USERS });

      await db('engine.guardrail_results').del();
      await db('engine.guardrail_results').insert(breach('breach_major'));
      const id2 = await plannedCampaign(true);
      const r2 = await (await start(w, id2)).result();
      expect(r2).toMatchObject({ status: 'cancelled', executed: 0 });
      expect(await statusCounts(id2)).toEqual({ blocked: USERS });
      const blocked = await db('engine.actions').where({ campaign_id: id2 }).first();
      expect(blocked.status_reason).toBe('campaign cancelled by engine: guardrail breach: churn 10.0% vs 1.0%');
    } finally {
      await db('engine.guardrail_results').del();
    }
  });

  it('with a blast radius over the quorum threshold, needs two distinct approvers; the run starter and a repeat do not count', async () => {
    await setPolicy(
      db,
      'approval_quorum',
      { approvers: 2, whenUsersAtLeast: 10, whenMrrCentsAtLeast: 1e12 },
      'test',
      'quorum at 10 users',
    );
    try {
      const id = await plannedCampaign(false);
      const h = await start(w, id);
      await expect
        .poll(async () => (await h.query(campaignProgressQuery)).status, { timeout: 10_000 })
        .toBe('awaiting_approval');
      // The cycle was started by hand by 'test' (trigger api): its approve is refused.
      await h.signal('approve', { operator: 'test', reason: 'my own run' });
      await h.signal('approve', { operator: 'alice', reason: 'looks right' });
      await h.signal('approve', { operator: 'ALICE', reason: 'again' });
      await expect
        .poll(async () => (await h.query(campaignProgressQuery)).approvals, { timeout: 10_000 })
        .toEqual({ required: 2, approvers: ['alice'] });
      expect(await statusCounts(id)).toEqual({ pending_approval: USERS });
      await h.signal('approve', { operator: 'bob', reason: 'second pair of eyes' });
      expect(await h.result()).toMatchObject({ status: 'completed', executed: USERS });
      expect((await getCampaign(db, id))!.decidedBy).toBe('alice, bob');
      const votes = await db('engine.audit_log')
        .where({ target: id })
        .whereIn('event', ['campaign.vote', 'campaign.vote_refused'])
        .orderBy('id')
        .select('event', 'actor');
      expect(votes).toEqual([
        { event: 'campaign.vote_refused', actor: 'test' },
        { event: 'campaign.vote', actor: 'alice' },
        { event: 'campaign.vote_refused', actor: 'ALICE' },
        { event: 'campaign.vote', actor: 'bob' },
      ]);
    } finally {
      await setPolicy(db, 'approval_quorum', DEFAULT_POLICIES.approval_quorum, 'test', 'back to the default');
    }
  });

  it('reminds the operators before the deadline, once per lead, on the alert channels; the decision resolves it', async () => {
    // A 12 s wait reminded 6 s and 3 s before its deadline; escalation only at its very end.
    await setPolicy(
      db,
      'approval',
      { deadlineHours: 12 / 3600, escalateAtFraction: 0.95, reminderLeadsHours: [6 / 3600, 3 / 3600] },
      'test',
      'a 12 s wait with two reminders',
    );
    try {
      slack.requests.length = 0;
      const id = await plannedCampaign(false);
      const h = await start(alerting, id);
      const fingerprint = `approvals:awaiting:campaign:${id}`;
      await expect.poll(() => slack.requests.length, { timeout: 15_000, interval: 100 }).toBe(2);
      await h.signal('approve', { operator: 'alice', reason: 'reminded, reviewed the preview' });
      expect(await h.result()).toMatchObject({ status: 'completed', executed: USERS });
      // Each reminder paged once, naming the campaign and its deadline.
      expect(slack.requests).toHaveLength(2);
      for (const r of slack.requests) expect(r.body).toMatch(/retention_campaign campaign .* waits for approval until/);
      const finding = await db('engine.findings').where({ fingerprint }).first();
      expect(finding).toMatchObject({ detector: 'approvals', kind: 'approval_reminder', severity: 'medium' });
      expect(finding.status).toBe('resolved');
      const reminded = await db('engine.audit_log')
        .where({ target: id, event: 'campaign.approval_reminded' })
        .orderBy('id')
        .pluck('after');
      expect(reminded.map((a: { reminder: number }) => a.reminder)).toEqual([1, 2]);
      const deliveries = await db('engine.alert_deliveries')
        .where('dedupe_key', 'like', `${fingerprint}:%`)
        .orderBy('dedupe_key')
        .pluck('dedupe_key');
      expect(deliveries).toEqual([`${fingerprint}:slack:remind:0:1`, `${fingerprint}:slack:trigger:0`]);
    } finally {
      await setPolicy(db, 'approval', DEFAULT_POLICIES.approval, 'test', 'back to the default');
    }
  });

  it('escalates a campaign still waiting late in its wait, and expiry fails closed: nothing is sent', async () => {
    await setPolicy(db, 'approval', { deadlineHours: 4 / 3600, escalateAtFraction: 0.5 }, 'test', 'a 4 s wait');
    try {
      const id = await plannedCampaign(false);
      const h = await start(w, id);
      const fingerprint = `approvals:escalated:campaign:${id}`;
      await expect
        .poll(async () => (await db('engine.findings').where({ fingerprint }).first())?.status, { timeout: 10_000 })
        .toBe('open');
      const finding = await db('engine.findings').where({ fingerprint }).first();
      expect(finding).toMatchObject({ detector: 'approvals', severity: 'high' });
      expect(finding.title).toMatch(/retention_campaign campaign .* \(0 of 1 approvals\): decide or it expires/);
      expect(await h.result()).toMatchObject({ status: 'expired' });
      expect(await statusCounts(id)).toEqual({ expired: USERS });
      expect((await getCampaign(db, id))!.status).toBe('expired');
      expect((await db('engine.findings').where({ fingerprint }).first()).status).toBe('resolved');
      const events = await db('engine.audit_log').where({ target: id }).orderBy('id').pluck('event');
      expect(events).toEqual(expect.arrayContaining(['campaign.escalated', 'campaign.expired']));
      expect(
        await db('engine.outbox')
          .count({ n: '*' })
          .then((r) => Number(r[0]!.n)),
      ).toBe(0);
    } finally {
      await setPolicy(db, 'approval', DEFAULT_POLICIES.approval, 'test', 'back to the default');
    }
  });
});
