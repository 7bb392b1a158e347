// Reading cycles: the list, one cycle (Temporal's status when it knows the workflow, else the row),
// progress (the workflow's query, else engine.cycle_phases), actions and audit, and system-state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAction, insertCycle, insertFinding, insertKpis, insertPhase, minutes, T0 } from './fixtures';
import { problemOf, setupE2E, type E2E } from './harness';

let e: E2E;
beforeAll(async () => {
  e = await setupE2E('cycles');
});
afterAll(async () => {
  await e?.close();
});

const get = (url: string) => e.app.inject({ method: 'GET', url, headers: e.as('viewer') });

describe('system-state before any cycle', () => {
  it('is a 404 problem that says how to start one', async () => {
    const res = await get('/api/autonomous/system-state');
    expect(res.statusCode).toBe(404);
    const p = problemOf(res);
    expect(p.type).toBe('urn:floyo:problem:no-cycle-yet');
    expect(p.detail).toBe('No cycle has run yet: POST /api/autonomous/run-cycle to start one, then retry.');
  });

  it('lists no cycles', async () => {
    const res = await get('/api/autonomous/cycles');
    expect(res.json()).toEqual({ items: [], total: 0, limit: 50, offset: 0, nextCursor: null });
  });
});

describe('with recorded cycles', () => {
  beforeAll(async () => {
    // c-old: a completed cycle; c-new: a newer one whose analyze completed and is still running heal;
    // c-mon: a monitor run (no analyze phase); c-fail: failed in analyze.
    await insertCycle(e.t.db, {
      id: 'c-old',
      startedAt: minutes(-600),
      finishedAt: minutes(-590),
      health: 70,
      alignment: 0.9,
    });
    await insertPhase(e.t.db, 'c-old', 'analyze', 'completed', minutes(-600), minutes(-599));
    await insertCycle(e.t.db, {
      id: 'c-new',
      status: 'running',
      finishedAt: null,
      health: 64,
      phases: ['analyze', 'heal', 'verify'],
    });
    await insertPhase(e.t.db, 'c-new', 'analyze', 'completed', T0, minutes(1), { findings: 3 });
    await insertPhase(e.t.db, 'c-new', 'heal', 'running', minutes(1), null);
    await insertCycle(e.t.db, {
      id: 'c-mon',
      kind: 'monitor',
      trigger: 'schedule',
      phases: ['monitor'],
      startedAt: minutes(10),
      finishedAt: minutes(11),
    });
    await insertPhase(e.t.db, 'c-mon', 'monitor', 'completed', minutes(10), minutes(11));
    await insertCycle(e.t.db, { id: 'c-fail', status: 'failed', startedAt: minutes(20), finishedAt: minutes(21) });
    await insertPhase(e.t.db, 'c-fail', 'analyze', 'failed', minutes(20), minutes(21));

    await insertKpis(e.t.db, 'c-old', minutes(-600));
    await insertKpis(e.t.db, 'c-new', T0);
    const issue = await insertFinding(e.t.db, {
      fingerprint: 'data_quality:malformed_email',
      category: 'issue',
      severity: 'medium',
      cycleId: 'c-new',
    });
    await insertFinding(e.t.db, {
      fingerprint: 'billing:retryable',
      category: 'issue',
      severity: 'critical',
      cycleId: 'c-new',
    });
    await insertFinding(e.t.db, {
      fingerprint: 'kpi:activation_rate',
      category: 'opportunity',
      severity: 'high',
      cycleId: 'c-new',
    });
    await insertFinding(e.t.db, {
      fingerprint: 'orphaned:old',
      category: 'issue',
      cycleId: 'c-old',
      status: 'resolved',
    });
    await insertAction(e.t.db, {
      id: 'act-rec',
      cycleId: 'c-new',
      phase: 'optimize',
      type: 'funnel_recommendation',
      mode: 'recommendation',
      status: 'recommended',
      confidence: 0.5,
    });
    await insertAction(e.t.db, {
      id: 'act-pend',
      cycleId: 'c-new',
      mode: 'needs_approval',
      status: 'pending_approval',
      confidence: 0.7,
      findingId: issue,
    });
    await insertAction(e.t.db, { id: 'act-auto', cycleId: 'c-new', mode: 'auto', status: 'dry_run', confidence: 0.95 });
    await insertAction(e.t.db, { id: 'act-old', cycleId: 'c-old', mode: 'recommendation', status: 'recommended' });
    await e.t.db('engine.audit_log').insert([
      {
        actor: 'fixture',
        cycle_id: 'c-new',
        event: 'cycle.started',
        target: 'c-new',
        after: JSON.stringify({ kind: 'cycle' }),
        dry_run: true,
      },
      {
        actor: 'engine',
        cycle_id: 'c-new',
        event: 'finding.opened',
        target: 'finding:billing:retryable',
        after: JSON.stringify({ status: 'open' }),
        dry_run: true,
      },
      { actor: 'engine', cycle_id: 'c-old', event: 'cycle.started', target: 'c-old', dry_run: true },
      { actor: 'engine', cycle_id: 'c-new', event: 'action.planned', target: 'action:act-auto', dry_run: true },
    ]);
  });

  it('system-state follows the docs/api.md contract, from the latest cycle that completed analyze', async () => {
    const res = await get('/api/autonomous/system-state');
    expect(res.statusCode).toBe(200);
    const s = res.json();
    expect(s).toMatchObject({
      cycleId: 'c-new',
      computedAt: T0.toISOString(),
      healthScore: 64,
      alignmentScore: null,
      dryRun: true,
      cycleStatus: 'running',
    });
    expect(s.kpis).toEqual([
      {
        name: 'activation_rate',
        value: 0.31,
        target: 0.4,
        sampleSize: 1200,
        interval: { low: 0.284, high: 0.337 },
        status: 'below_target',
        details: { numerator: 372, denominator: 1200 },
      },
      {
        name: 'd7_retention',
        value: 0.27,
        target: 0.25,
        sampleSize: 1200,
        interval: { low: 0.245, high: 0.296 },
        status: 'ok',
        details: {},
      },
      {
        name: 'signup_to_activation',
        value: null,
        target: 0.4,
        sampleSize: 12,
        interval: null,
        status: 'insufficient_data',
        details: {},
      },
      { name: 'ltv_cac', value: 3.2, target: 4, sampleSize: 300, interval: null, status: 'below_target', details: {} },
    ]);
    // Open issues only, most severe first; the resolved one is gone.
    expect(s.issues.map((f: { fingerprint: string }) => f.fingerprint)).toEqual([
      'billing:retryable',
      'data_quality:malformed_email',
    ]);
    expect(s.issues[0]).toMatchObject({
      category: 'issue',
      severity: 'critical',
      status: 'open',
      confidence: 0.97,
      evidence: { count: 3, sampleIds: [1, 2, 3] },
    });
    expect(s.opportunities.map((f: { fingerprint: string }) => f.fingerprint)).toEqual(['kpi:activation_rate']);
    // Recommendations: that cycle's recommendation-mode and pending-approval actions, most confident first.
    expect(s.recommendations.map((a: { actionId: string }) => a.actionId)).toEqual(['act-pend', 'act-rec']);
    expect(s.recommendationsTotal).toBe(2);
    expect(s.recommendations[0]).toMatchObject({
      mode: 'needs_approval',
      status: 'pending_approval',
      type: 'retry_payment',
      expectedImpact: { revenueCents: 2900 },
    });
  });

  it('lists cycles newest first, filtered and paginated', async () => {
    const all = (await get('/api/autonomous/cycles')).json();
    expect(all.total).toBe(4);
    expect(all.items.map((c: { cycleId: string }) => c.cycleId)).toEqual(['c-fail', 'c-mon', 'c-new', 'c-old']);
    expect(all.items[2]).toMatchObject({
      kind: 'cycle',
      trigger: 'api',
      dryRun: true,
      status: 'running',
      healthScore: 64,
      finishedAt: null,
      phases: ['analyze', 'heal', 'verify'],
    });
    const page = (await get('/api/autonomous/cycles?limit=2&offset=1')).json();
    expect(page).toMatchObject({ total: 4, limit: 2, offset: 1 });
    expect(page.items.map((c: { cycleId: string }) => c.cycleId)).toEqual(['c-mon', 'c-new']);
    expect(
      (await get('/api/autonomous/cycles?kind=monitor')).json().items.map((c: { cycleId: string }) => c.cycleId),
    ).toEqual(['c-mon']);
    expect(
      (await get('/api/autonomous/cycles?status=failed')).json().items.map((c: { cycleId: string }) => c.cycleId),
    ).toEqual(['c-fail']);
  });

  it('answers one cycle from the database when Temporal does not know it', async () => {
    const res = await get('/api/autonomous/cycles/c-new');
    expect(res.statusCode).toBe(200);
    const c = res.json();
    expect(c).toMatchObject({
      cycleId: 'c-new',
      status: 'running',
      statusSource: 'database',
      dryRun: true,
      healthScore: 64,
      alignmentScore: null,
      temporal: null,
    });
    expect(c.phases).toEqual([
      {
        name: 'analyze',
        status: 'completed',
        startedAt: T0.toISOString(),
        finishedAt: minutes(1).toISOString(),
        counts: { findings: 3 },
      },
      { name: 'heal', status: 'running', startedAt: minutes(1).toISOString(), finishedAt: null, counts: {} },
      { name: 'verify', status: 'pending', startedAt: null, finishedAt: null, counts: {} },
    ]);
  });

  it('takes the status from Temporal when the workflow exists (terminated here)', async () => {
    const started = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/run-cycle',
      headers: e.as('operator'),
      payload: { phases: ['analyze'] },
    });
    const { cycleId } = started.json();
    e.track(cycleId);
    const running = (await get(`/api/autonomous/cycles/${cycleId}`)).json();
    expect(running).toMatchObject({
      cycleId,
      status: 'running',
      statusSource: 'temporal',
      dryRun: true,
      kind: 'cycle',
      phases: [],
    });
    expect(running.temporal).toMatchObject({ workflowType: 'autonomousCycle', status: 'RUNNING' });

    await e.client.workflow.getHandle(cycleId).terminate('test');
    const terminated = (await get(`/api/autonomous/cycles/${cycleId}`)).json();
    expect(terminated).toMatchObject({ status: 'terminated', statusSource: 'temporal' });
    expect(terminated.finishedAt).not.toBeNull();
  });

  it('answers 404 problems for unknown cycles on every cycle route', async () => {
    for (const suffix of ['', '/progress', '/actions', '/audit']) {
      const res = await get(`/api/autonomous/cycles/no-such-cycle${suffix}`);
      expect(res.statusCode, suffix).toBe(404);
      const p = problemOf(res);
      expect(p.type).toBe('urn:floyo:problem:cycle-not-found');
      expect(p.detail).toContain("No cycle 'no-such-cycle'");
    }
  });

  it('answers progress of a finished cycle from the database', async () => {
    const res = await get('/api/autonomous/cycles/c-old/progress');
    expect(res.json()).toMatchObject({
      cycleId: 'c-old',
      source: 'database',
      currentPhase: null,
      healthScore: 70,
      alignmentScore: 0.9,
    });
  });

  it('falls back to the database when the progress query cannot be answered', async () => {
    const res = await get('/api/autonomous/cycles/c-new/progress');
    expect(res.statusCode).toBe(200);
    const p = res.json();
    expect(p).toMatchObject({
      cycleId: 'c-new',
      kind: 'cycle',
      dryRun: true,
      source: 'database',
      currentPhase: 'heal',
      healthScore: 64,
    });
    expect(p.phases.map((x: { name: string; status: string }) => `${x.name}:${x.status}`)).toEqual([
      'analyze:completed',
      'heal:running',
      'verify:pending',
    ]);
  });

  it('reports a started workflow no worker has picked up yet from Temporal (query timed out, no row yet)', async () => {
    const started = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/self-heal',
      headers: e.as('operator'),
      payload: {},
    });
    const { cycleId } = started.json();
    e.track(cycleId);
    const res = await get(`/api/autonomous/cycles/${cycleId}/progress`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      cycleId,
      kind: 'self_heal',
      dryRun: true,
      currentPhase: null,
      phases: [],
      healthScore: null,
      alignmentScore: null,
      source: 'temporal',
    });
  });

  it("lists a cycle's actions, filtered by status or phase", async () => {
    const all = (await get('/api/autonomous/cycles/c-new/actions')).json();
    expect(all.total).toBe(3);
    expect(all.items.map((a: { actionId: string }) => a.actionId).sort()).toEqual(['act-auto', 'act-pend', 'act-rec']);
    const optimize = (await get('/api/autonomous/cycles/c-new/actions?phase=optimize')).json();
    expect(optimize.items.map((a: { actionId: string }) => a.actionId)).toEqual(['act-rec']);
    const pending = (await get('/api/autonomous/cycles/c-new/actions?status=pending_approval')).json();
    expect(pending.items).toHaveLength(1);
    expect(pending.items[0]).toMatchObject({
      actionId: 'act-pend',
      findingId: expect.any(Number),
      confidence: 0.7,
      dryRun: true,
      outcome: null,
    });
  });

  it("pages through a cycle's audit trail, oldest first", async () => {
    const first = (await get('/api/autonomous/cycles/c-new/audit?limit=2')).json();
    expect(first.items.map((a: { event: string }) => a.event)).toEqual(['cycle.started', 'finding.opened']);
    expect(first.items[0]).toMatchObject({
      actor: 'fixture',
      cycleId: 'c-new',
      target: 'c-new',
      after: { kind: 'cycle' },
      before: null,
      dryRun: true,
    });
    expect(first.nextAfterId).toBe(first.items[1].id);
    const rest = (await get(`/api/autonomous/cycles/c-new/audit?limit=2&afterId=${first.nextAfterId}`)).json();
    expect(rest.items.map((a: { event: string }) => a.event)).toEqual(['action.planned']);
    expect(rest.nextAfterId).toBeNull();
  });
});
