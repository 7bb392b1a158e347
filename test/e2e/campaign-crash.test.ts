// A campaign's rollout survives its worker: a live cycle over seeded data whose message campaigns the gates
// admit, the worker process SIGKILLed in the middle of a wave and started again. The rollout resumes where it
// was, every recipient ends executed (or with a reason), and nobody is messaged twice.
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { setPolicy } from '../../db/repos/config';
import { DEFAULT_POLICIES } from '../../engine/safety/config-schema';
import { checkInvariants, prepareChaosDatabase } from '../../scripts/lib/chaos';
import { WorkerProcess } from '../../scripts/lib/engine-processes';
import { ensureTestNamespace } from '../../scripts/lib/namespace';
import { autonomousCycle } from '../../workflows';
import { createTestDb, type TestDb } from '../helpers/db';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const NAMESPACE = 'floyo-chaos';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let t: TestDb;
let connection: Connection;
let client: Client;
let worker: WorkerProcess;

beforeAll(async () => {
  t = await createTestDb('campaign-crash');
  await prepareChaosDatabase(t.db, { users: 3000, seed: 29, now: NOW });
  // Learned message types: the gates admit their campaigns, so the rollouts start at once.
  await t
    .db('engine.action_stats')
    .insert(
      ['onboarding_nudge', 'retention_campaign', 'upgrade_offer', 'proactive_retention'].map((action_type) => ({
        action_type,
        alpha: 60,
        beta: 1,
        successes: 59,
        failures: 0,
      })),
    )
    .onConflict('action_type')
    .merge();
  // One send at a time in two big waves: a kill lands inside a wave.
  await setPolicy(
    t.db,
    'campaign_rollout',
    { ...DEFAULT_POLICIES.campaign_rollout, ramp: [0.02, 0.5, 1], maxConcurrency: 1 },
    'test',
    'slow rollout',
  );
  await ensureTestNamespace(inject('temporalAddress'), NAMESPACE);
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: NAMESPACE });
  worker = new WorkerProcess({
    databaseUrl: t.url,
    temporalAddress: inject('temporalAddress'),
    namespace: NAMESPACE,
    taskQueue: `campaign-crash-${process.pid}`,
  });
  await worker.start();
}, 300_000);

afterAll(async () => {
  await worker?.stop();
  await connection?.close();
  await t?.drop();
});

it('resumes a campaign killed mid-wave without resending to anyone', async () => {
  const cycleId = `campaign-crash-${process.pid}-${Date.now().toString(36)}`;
  const handle = await client.workflow.start(autonomousCycle, {
    workflowId: cycleId,
    taskQueue: `campaign-crash-${process.pid}`,
    args: [
      { dryRun: false, trigger: 'api', requestedBy: 'test', now: NOW.toISOString(), phases: ['analyze', 'optimize'] },
    ],
  });
  // Kill once a rollout has sent some of its recipients and not all.
  let campaign: { id: string; recipients: number } | undefined;
  for (let i = 0; i < 1200 && !campaign; i++) {
    const running: Array<{ id: string; recipients: number; executed: number }> = await t.db
      .raw(
        `SELECT c.id, c.recipients, count(a.*) FILTER (WHERE a.status = 'executed')::int AS executed
           FROM engine.campaigns c JOIN engine.actions a ON a.campaign_id = c.id
          WHERE c.cycle_id = ? AND c.status = 'running' GROUP BY c.id, c.recipients`,
        [cycleId],
      )
      .then((r: { rows: Array<{ id: string; recipients: number; executed: number }> }) => r.rows);
    campaign = running.find((c) => c.executed >= 10 && c.executed < c.recipients - 10);
    if (!campaign) await sleep(50);
  }
  expect(campaign, 'a campaign rollout in the middle of a wave').toBeDefined();
  const sentAtKill = Number(
    (await t.db('engine.actions').where({ campaign_id: campaign!.id, status: 'executed' }).count({ n: '*' }))[0]!.n,
  );
  worker.kill();
  const killedAt = Date.now();
  await worker.start();

  await handle.result();
  const rollout = client.workflow.getHandle(`campaign-${campaign!.id}`);
  const result = await rollout.result();
  console.log(
    `[campaign-crash] killed at ${sentAtKill} of ${campaign!.recipients} sent; rollout ${result.status} ` +
      `${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`,
  );
  expect(result.status).toBe('completed');
  // The killed wave's activity was retried (attempt 2) on the restarted worker.
  const events = (await rollout.fetchHistory()).events ?? [];
  const attempts = events.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0).filter((a) => a > 0);
  expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);
  const counts: Array<{ status: string; n: number }> = await t
    .db('engine.actions')
    .where({ campaign_id: campaign!.id })
    .whereNotNull('campaign_seq')
    .groupBy('status')
    .select('status')
    .count({ n: '*' });
  expect(counts.filter((c) => !['executed', 'blocked', 'failed'].includes(c.status))).toEqual([]);
  expect(counts.find((c) => c.status === 'executed')?.n).toBeGreaterThan(sentAtKill);
  // Nobody got the message twice: one outbox row per recipient, one effect per target.
  const twice = await t.db('engine.outbox').groupBy('user_id').havingRaw('count(*) > 1').select('user_id');
  expect(twice).toEqual([]);
  // Let every other campaign of the cycle finish too, then the crash invariants hold for the whole cycle.
  for (const id of await t
    .db('engine.campaigns')
    .where({ cycle_id: cycleId })
    .whereNotNull('workflow_id')
    .pluck('workflow_id'))
    await client.workflow.getHandle(id).result();
  expect(await checkInvariants(t.db, [cycleId])).toEqual({
    cyclesNotCompleted: 0,
    duplicatePayments: 0,
    duplicateMessages: 0,
    duplicateDataFixes: 0,
    pendingEffects: 0,
    unauditedEffects: 0,
    unfinishedActions: 0,
    approvalsWithoutWorkflow: 0,
  });
}, 600_000);
