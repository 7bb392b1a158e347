// The whole path with a real worker: seeded platform data, a dry-run cycle started over HTTP, followed
// through the api until it completes, then the state the api serves from what the activities wrote, and
// an approval decided over HTTP that the approval workflow acts on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMITTED_STATUSES } from '../../db/repos/actions';
import { seedDemoData } from '../../scripts/seed/generate';
import { createTestDb, type TestDb } from '../helpers/db';
import { startTestWorker, type TestWorker } from '../helpers/temporal';
import { setupE2E, type E2E } from './harness';

let t: TestDb;
let w: TestWorker;
let e: E2E;

beforeAll(async () => {
  t = await createTestDb('e2e-full-cycle');
  await seedDemoData(t.db, { users: 3000, seed: 11, now: new Date() });
  w = await startTestWorker(t.db, { label: 'e2e-full' });
  e = await setupE2E('full-cycle', { db: t, taskQueue: w.taskQueue });
}, 240_000);
afterAll(async () => {
  await w?.shutdown();
  await e?.close(); // also drops the database
});

const get = async (url: string) => {
  const res = await e.app.inject({ method: 'GET', url, headers: e.as('viewer') });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json();
};

/** fn's first truthy value, polled every 250 ms; fails the test naming `what` after the timeout. */
async function until<T>(what: string, fn: () => Promise<T | null | undefined>, timeout = 120_000): Promise<T> {
  let value: T | null | undefined;
  await expect
    .poll(async () => (value = await fn()), { timeout, interval: 250, message: `timed out waiting for ${what}` })
    .toBeTruthy();
  return value as T;
}

describe('a dry-run cycle over HTTP', () => {
  let cycleId: string;

  it('starts, runs every phase and completes', async () => {
    const started = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/run-cycle',
      headers: e.as('operator'),
      payload: {},
    });
    expect(started.statusCode).toBe(202);
    cycleId = started.json().cycleId;
    e.track(cycleId);
    const done = await until('the cycle to finish', async () => {
      const c = await get(`/api/autonomous/cycles/${cycleId}`);
      return c.status === 'running' ? null : c;
    });
    expect(done).toMatchObject({
      cycleId,
      status: 'completed',
      statusSource: 'temporal',
      dryRun: true,
      kind: 'cycle',
      trigger: 'api',
      requestedBy: 'oscar-operator',
    });
    expect(done.phases.map((p: { name: string; status: string }) => `${p.name}:${p.status}`)).toEqual(
      ['analyze', 'heal', 'optimize', 'prevent', 'learn', 'decide', 'verify'].map((n) => `${n}:completed`),
    );
    for (const p of done.phases) expect(p.finishedAt >= p.startedAt).toBe(true);
    expect(done.healthScore).toEqual(expect.any(Number));
    expect(done.alignmentScore).toEqual(expect.any(Number));
  }, 180_000);

  it('serves its progress from the database once finished', async () => {
    const p = await get(`/api/autonomous/cycles/${cycleId}/progress`);
    expect(p).toMatchObject({ cycleId, source: 'database', currentPhase: null });
    expect(p.phases.every((x: { status: string }) => x.status === 'completed')).toBe(true);
  });

  it('serves system-state from that cycle', async () => {
    const s = await get('/api/autonomous/system-state');
    expect(s.cycleId).toBe(cycleId);
    expect(s.kpis.map((k: { name: string }) => k.name).sort()).toEqual([
      'activation_rate',
      'd7_retention',
      'ltv_cac',
      'signup_to_activation',
    ]);
    const cycle = await t.db('engine.cycles').where({ id: cycleId }).first();
    expect(s.computedAt).toBe(new Date(cycle.logical_now).toISOString());
    expect(s.healthScore).toBe(cycle.health_score);
    // The seed plants data-quality problems, orphans and billing failures: the analysis finds issues.
    expect(s.issues.length).toBeGreaterThan(0);
    for (const f of s.issues) expect(f).toMatchObject({ category: 'issue', status: 'open' });
    for (const a of s.recommendations)
      expect(a.mode === 'recommendation' || a.status === 'pending_approval').toBe(true);
  });

  it('lists its actions and audit trail, starting with the api request', async () => {
    const actions = await get(`/api/autonomous/cycles/${cycleId}/actions?limit=200`);
    expect(actions.total).toBeGreaterThan(0);
    for (const a of actions.items) expect(a).toMatchObject({ cycleId, dryRun: true });
    const audit = await get(`/api/autonomous/cycles/${cycleId}/audit?limit=2`);
    expect(audit.items.map((x: { event: string }) => x.event)).toEqual(['cycle.requested', 'cycle.started']);
    expect(audit.items[1].actor).toBe('oscar-operator');
  });

  it('serves the decisions and learning it recorded', async () => {
    const decisions = await get('/api/autonomous/decisions');
    expect(decisions.items.length).toBeGreaterThan(0);
    expect(decisions.items.every((d: { cycleId: string }) => d.cycleId === cycleId)).toBe(true);
    const learning = await get('/api/autonomous/learning');
    expect(learning.learnings.length).toBeGreaterThan(0);
  });

  it('asks no operator anything in a dry run', async () => {
    expect((await get('/api/autonomous/approvals?status=all')).total).toBe(0);
  });
});

describe('a live remediation over HTTP, with approvals', () => {
  let cycleId: string;

  it('runs live for an admin, within the caps the admin set', async () => {
    // Keep the blast radius tiny: at most 2 actions of each type.
    const caps = await e.app.inject({
      method: 'PUT',
      url: '/api/autonomous/policies/type_caps',
      headers: e.as('admin'),
      payload: { value: { default: 2 }, reason: 'e2e: small blast radius' },
    });
    expect(caps.statusCode).toBe(200);
    const started = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/auto-remediate',
      headers: e.as('admin'),
      payload: { dryRun: false },
    });
    expect(started.statusCode).toBe(202);
    cycleId = started.json().cycleId;
    e.track(cycleId);
    const done = await until('the run to finish', async () => {
      const c = await get(`/api/autonomous/cycles/${cycleId}`);
      return c.status === 'running' ? null : c;
    });
    expect(done).toMatchObject({ status: 'completed', dryRun: false, kind: 'auto_remediate' });
    // Actions beyond the cap are recorded as blocked; at most 2 per type were admitted.
    const perType = await t
      .db('engine.actions')
      .where({ cycle_id: cycleId })
      .whereIn('status', [...ADMITTED_STATUSES])
      .select('type')
      .count({ n: '*' })
      .groupBy('type');
    expect(perType.length).toBeGreaterThan(0);
    for (const r of perType) expect(Number(r.n)).toBeLessThanOrEqual(2);
  }, 180_000);

  it("routes an operator's rejection to the action's approval workflow, which records it", async () => {
    const list = await until(
      'approvals to be opened',
      async () => {
        const l = await get('/api/autonomous/approvals');
        return l.items.some((a: { action: { cycleId: string } }) => a.action.cycleId === cycleId) ? l : null;
      },
      30_000,
    );
    for (const a of list.items) e.track(a.workflowId);
    const pending = list.items.find((a: { action: { cycleId: string } }) => a.action.cycleId === cycleId);
    expect(pending).toMatchObject({
      status: 'pending',
      action: { mode: 'needs_approval', status: 'pending_approval', dryRun: false },
    });
    const res = await e.app.inject({
      method: 'POST',
      url: `/api/autonomous/approvals/${pending.actionId}/reject`,
      headers: e.as('operator'),
      payload: { reason: 'not during the e2e test' },
    });
    expect(res.statusCode).toBe(202);
    const decided = await until(
      'the approval workflow to record the rejection',
      async () => {
        const all = await get('/api/autonomous/approvals?status=rejected');
        return all.items.find((a: { actionId: string }) => a.actionId === pending.actionId) ?? null;
      },
      30_000,
    );
    expect(decided).toMatchObject({
      status: 'rejected',
      decidedBy: 'oscar-operator',
      reason: 'not during the e2e test',
    });
    // A second decision on the same approval is refused.
    const again = await e.app.inject({
      method: 'POST',
      url: `/api/autonomous/approvals/${pending.actionId}/approve`,
      headers: e.as('operator'),
      payload: { reason: 'too late now' },
    });
    expect(again.statusCode).toBe(409);
  }, 60_000);
});
