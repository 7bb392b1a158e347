// Campaigns end to end at 10,000 demo users: one live cycle leaves a handful of decisions (one per campaign and
// per review group of payment retries or data fixes), not one per user; a campaign approved over HTTP rolls out
// and messages each of its recipients once; controls that do not apply answer 409.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../scripts/seed/generate';
import { createTestDb, type TestDb } from '../helpers/db';
import { startTestWorker, type TestWorker } from '../helpers/temporal';
import { problemOf, setupE2E, type E2E } from './harness';

let t: TestDb;
let w: TestWorker;
let e: E2E;
let cycleId: string;

beforeAll(async () => {
  t = await createTestDb('e2e-campaigns');
  await seedDemoData(t.db, { users: 10_000, seed: 7, now: new Date() });
  w = await startTestWorker(t.db, { label: 'e2e-campaigns' });
  e = await setupE2E('campaigns', { db: t, taskQueue: w.taskQueue });
}, 300_000);
afterAll(async () => {
  // Rollouts and approvals still waiting for an operator would wait for days: end them with the test.
  for (const id of await t.db('engine.campaigns').whereNotNull('workflow_id').pluck('workflow_id')) e.track(id);
  for (const id of await t.db('engine.approvals').pluck('workflow_id')) e.track(id);
  await w?.shutdown();
  await e?.close();
});

const call = (method: 'GET' | 'POST', url: string, role: 'viewer' | 'operator' | 'admin', payload?: object) =>
  e.app.inject({ method, url, headers: e.as(role), ...(payload !== undefined ? { payload } : {}) });

async function until<T>(what: string, fn: () => Promise<T | null | undefined>, timeout = 120_000): Promise<T> {
  let value: T | null | undefined;
  await expect
    .poll(async () => (value = await fn()), { timeout, interval: 250, message: `timed out waiting for ${what}` })
    .toBeTruthy();
  return value as T;
}

describe('a live cycle at 10,000 users', () => {
  it('leaves a handful of decisions: one per campaign and review group', async () => {
    const started = await call('POST', '/api/autonomous/run-cycle', 'admin', { dryRun: false });
    expect(started.statusCode).toBe(202);
    cycleId = started.json().cycleId;
    e.track(cycleId);
    await until(
      'the cycle to finish',
      async () => {
        const c = (await call('GET', `/api/autonomous/cycles/${cycleId}`, 'viewer')).json();
        return c.status === 'running' ? null : c;
      },
      240_000,
    );
    const campaigns = (await call('GET', `/api/autonomous/campaigns?cycleId=${cycleId}`, 'viewer')).json().items;
    expect(campaigns.length).toBeGreaterThan(0);
    const awaiting = campaigns.filter((c: { status: string }) => c.status === 'pending_approval');
    // Per-action approvals are left for payment retries and data fixes only, reviewed by (cycle, type).
    const perAction: Array<{ type: string; n: number }> = await t
      .db('engine.actions')
      .where({ cycle_id: cycleId, status: 'pending_approval' })
      .whereNull('campaign_id')
      .groupBy('type')
      .select('type')
      .count({ n: '*' });
    for (const g of perAction)
      expect(['retention_campaign', 'onboarding_nudge', 'upgrade_offer', 'proactive_retention']).not.toContain(g.type);
    const messagesWaiting = await t
      .db('engine.actions')
      .where({ cycle_id: cycleId, status: 'pending_approval' })
      .whereNotNull('campaign_id')
      .count({ n: '*' })
      .then((r) => Number(r[0]!.n));
    const decisions = awaiting.length + perAction.length;
    console.log(
      `[campaigns] ${campaigns.length} campaign(s), ${awaiting.length} awaiting approval for ${messagesWaiting} recipients; ` +
        `${perAction.length} review group(s): ${perAction.map((g) => `${g.type} ${g.n}`).join(', ') || 'none'}`,
    );
    expect(decisions).toBeGreaterThan(0);
    expect(decisions).toBeLessThanOrEqual(8);
    for (const c of campaigns) {
      expect(c.cohort.definition).toEqual(expect.any(String));
      expect(c.ramp).toEqual([0.01, 0.05, 0.25, 1]);
      expect(c.preview.recipients.length).toBe(Math.min(20, c.recipients));
    }
    // An admitted campaign's rollout has finished before the cycle did: its recipients are not left planned.
    const unfinished = await t
      .db('engine.actions')
      .where({ cycle_id: cycleId })
      .whereIn('status', ['planned', 'approved'])
      .count({ n: '*' })
      .then((r) => Number(r[0]!.n));
    expect(unfinished).toBe(0);
  }, 300_000);

  it('one approval over HTTP rolls a campaign out; each recipient is messaged once; a second decision is 409', async () => {
    const awaiting = (
      await call('GET', `/api/autonomous/campaigns?cycleId=${cycleId}&status=pending_approval`, 'viewer')
    ).json().items;
    if (!awaiting.length) return; // every campaign was admitted by the gates: nothing to approve
    const c = awaiting[0];
    await until(
      'the rollout to wait for approval',
      async () => (await t.db('engine.campaigns').where({ id: c.id }).first()).workflow_id,
    );
    const ok = await call('POST', `/api/autonomous/campaigns/${c.id}/approve`, 'operator', {
      reason: 'preview looks right',
    });
    expect(ok.statusCode, ok.body).toBe(202);
    const again = await call('POST', `/api/autonomous/campaigns/${c.id}/approve`, 'operator', { reason: 'twice' });
    expect(again.statusCode).toBe(409);
    const done = await until('the campaign to finish', async () => {
      const d = (await call('GET', `/api/autonomous/campaigns/${encodeURIComponent(c.id)}`, 'viewer')).json();
      return ['completed', 'halted'].includes(d.status) ? d : null;
    });
    expect(done).toMatchObject({
      status: 'completed',
      decidedBy: 'oscar-operator',
      decisionReason: 'preview looks right',
    });
    expect(done.counts.pending_approval ?? 0).toBe(0);
    const sent: Array<{ user_id: string; n: number }> = await t
      .db('engine.outbox as o')
      .join('engine.effects as f', 'f.idempotency_key', 'o.idempotency_key')
      .join('engine.actions as a', 'a.id', 'f.action_id')
      .where('a.campaign_id', c.id)
      .groupBy('o.user_id')
      .select('o.user_id')
      .count({ n: '*' });
    expect(sent.length).toBe(done.counts.executed);
    expect(sent.every((r) => Number(r.n) === 1)).toBe(true);
    const pause = await call('POST', `/api/autonomous/campaigns/${c.id}/pause`, 'operator', { reason: 'too late' });
    expect(pause.statusCode).toBe(409);
    expect(pause.json().detail).toMatch(/is completed/);
  }, 180_000);

  it('answers 404 for an unknown campaign and 403 for a viewer', async () => {
    expect((await call('GET', '/api/autonomous/campaigns/nope', 'viewer')).statusCode).toBe(404);
    const res = await call('POST', '/api/autonomous/campaigns/nope/cancel', 'viewer', { reason: 'not mine' });
    expect(res.statusCode).toBe(403);
  });

  it('answers 400 problem+json for a bad status filter, a bad id, and a control without a reason', async () => {
    const badStatus = await call('GET', '/api/autonomous/campaigns?status=running,bogus', 'viewer');
    expect(badStatus.statusCode).toBe(400);
    expect(problemOf(badStatus).detail).toMatch(/status/);
    expect((await call('GET', '/api/autonomous/campaigns/bad%20id', 'viewer')).statusCode).toBe(400);
    const noReason = await call(
      'POST',
      `/api/autonomous/campaigns/${encodeURIComponent(`${cycleId}:x:y`)}/pause`,
      'operator',
      {},
    );
    expect(noReason.statusCode).toBe(400);
    expect(problemOf(noReason).detail).toMatch(/reason/);
  });
});
