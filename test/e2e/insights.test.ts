// Decisions, learning and optimization opportunities over HTTP, from rows as the learn, decide and
// optimize phases write them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAction, insertCycle, insertFinding, insertPhase, minutes, T0 } from './fixtures';
import { problemOf, setupE2E, type E2E } from './harness';

let e: E2E;
beforeAll(async () => {
  e = await setupE2E('insights');
});
afterAll(async () => {
  await e?.close();
});

const get = (url: string) => e.app.inject({ method: 'GET', url, headers: e.as('viewer') });

describe('before any cycle', () => {
  it('answers empty collections, not errors', async () => {
    expect((await get('/api/autonomous/decisions')).json()).toEqual({ items: [] });
    const learning = (await get('/api/autonomous/learning')).json();
    expect(learning.learnings).toEqual([]);
    // The migrations' priors, one posterior per action type, before any outcome was measured.
    const priors = await e.t.db('engine.action_stats').orderBy('action_type').pluck('action_type');
    expect(learning.actionStats.map((s: { actionType: string }) => s.actionType)).toEqual(priors);
    expect((await get('/api/autonomous/optimization-opportunities')).json()).toEqual({
      opportunities: [],
      cycleId: null,
      plannedActions: [],
      plannedActionsTotal: 0,
    });
  });
});

describe('with recorded results', () => {
  beforeAll(async () => {
    await insertCycle(e.t.db, { id: 'c1', startedAt: minutes(-240), finishedAt: minutes(-230) });
    await insertCycle(e.t.db, { id: 'c2' });
    await insertPhase(e.t.db, 'c1', 'optimize', 'completed', minutes(-238), minutes(-237));
    await insertPhase(e.t.db, 'c2', 'optimize', 'completed', minutes(2), minutes(3));
    await insertAction(e.t.db, {
      id: 'o1-old',
      cycleId: 'c1',
      phase: 'optimize',
      type: 'onboarding_nudge',
      mode: 'auto',
      status: 'dry_run',
    });
    await insertAction(e.t.db, {
      id: 'o2-a',
      cycleId: 'c2',
      phase: 'optimize',
      type: 'onboarding_nudge',
      mode: 'auto',
      status: 'dry_run',
      confidence: 0.75,
    });
    await insertAction(e.t.db, {
      id: 'o2-b',
      cycleId: 'c2',
      phase: 'optimize',
      type: 'upgrade_offer',
      mode: 'needs_approval',
      status: 'pending_approval',
      confidence: 0.9,
    });
    await insertAction(e.t.db, { id: 'h2', cycleId: 'c2', phase: 'heal', mode: 'auto', status: 'dry_run' });
    await insertFinding(e.t.db, {
      fingerprint: 'kpi:activation_rate',
      category: 'opportunity',
      cycleId: 'c2',
      severity: 'medium',
    });
    await insertFinding(e.t.db, {
      fingerprint: 'kpi:ltv_cac',
      category: 'opportunity',
      cycleId: 'c2',
      severity: 'high',
    });
    await insertFinding(e.t.db, { fingerprint: 'billing:x', category: 'issue', cycleId: 'c2' });

    await e.t.db('engine.decisions').insert([
      {
        cycle_id: 'c1',
        kind: 'pricing',
        title: 'Keep prices',
        rationale: 'LTV:CAC 3.2 near target',
        confidence: 0.6,
        payload: '{}',
        created_at: minutes(-230),
      },
      {
        cycle_id: 'c2',
        kind: 'pricing',
        title: 'Raise Pro by 5%',
        rationale: 'LTV:CAC 2.1 below target 4.0',
        confidence: 0.7,
        payload: JSON.stringify({ plan: 'pro' }),
        created_at: T0,
      },
      {
        cycle_id: 'c2',
        kind: 'resource_allocation',
        title: 'Focus on activation',
        rationale: 'largest gap × impact',
        confidence: 0.8,
        payload: '{}',
        created_at: minutes(1),
      },
    ]);
    await e.t.db('engine.learnings').insert([
      {
        cycle_id: 'c1',
        kind: 'suggestion_feedback',
        payload: JSON.stringify({ resolved: 10 }),
        created_at: minutes(-230),
      },
      { cycle_id: 'c2', kind: 'suggestion_feedback', payload: JSON.stringify({ resolved: 20 }), created_at: T0 },
      {
        cycle_id: 'c1',
        kind: 'high_performers',
        payload: JSON.stringify({ top: ['invite_sent'] }),
        created_at: minutes(-230),
      },
    ]);
    await e.t
      .db('engine.action_stats')
      .insert([
        { action_type: 'retry_payment', alpha: 9, beta: 3, successes: 8, failures: 2 },
        { action_type: 'onboarding_nudge', alpha: 1, beta: 1, successes: 0, failures: 0 },
        {
          action_type: 'upgrade_offer',
          alpha: 31,
          beta: 11,
          successes: 30,
          failures: 10,
          holdout_successes: 5,
          holdout_failures: 15,
        },
      ])
      .onConflict('action_type')
      .merge();
  });

  it('lists decisions newest first, by kind, with a limit', async () => {
    const all = (await get('/api/autonomous/decisions')).json().items;
    expect(all.map((d: { title: string }) => d.title)).toEqual([
      'Focus on activation',
      'Raise Pro by 5%',
      'Keep prices',
    ]);
    expect(all[1]).toMatchObject({
      cycleId: 'c2',
      kind: 'pricing',
      rationale: 'LTV:CAC 2.1 below target 4.0',
      confidence: 0.7,
      payload: { plan: 'pro' },
      createdAt: T0.toISOString(),
    });
    expect(
      (await get('/api/autonomous/decisions?kind=pricing&limit=1')).json().items.map((d: { title: string }) => d.title),
    ).toEqual(['Raise Pro by 5%']);
    const bad = await get('/api/autonomous/decisions?limit=0');
    expect(bad.statusCode).toBe(400);
    problemOf(bad);
  });

  it("gives the newest learning of each kind and each action type's posterior", async () => {
    const l = (await get('/api/autonomous/learning')).json();
    expect(
      l.learnings.map((x: { kind: string; cycleId: string; payload: unknown }) => [x.kind, x.cycleId, x.payload]),
    ).toEqual([
      ['high_performers', 'c1', { top: ['invite_sent'] }],
      ['suggestion_feedback', 'c2', { resolved: 20 }],
    ]);
    const retry = l.actionStats.find((s: { actionType: string }) => s.actionType === 'retry_payment');
    expect(retry).toMatchObject({ alpha: 9, beta: 3, successes: 8, failures: 2, mean: 0.75 });
    // 5% quantile of Beta(9, 3): below the mean, well above zero.
    expect(retry.lowerBound).toBeGreaterThan(0.5);
    expect(retry.lowerBound).toBeLessThan(0.75);
    const flat = l.actionStats.find((s: { actionType: string }) => s.actionType === 'onboarding_nudge');
    // Beta(1, 1) is uniform: mean 0.5, 5% quantile 0.05.
    expect(flat.mean).toBe(0.5);
    expect(flat.lowerBound).toBeCloseTo(0.05, 10);
    // 30/40 treated vs 5/20 held out: uplift 0.5 with its Newcombe interval as an object { low, high }.
    const offer = l.actionStats.find((s: { actionType: string }) => s.actionType === 'upgrade_offer');
    expect(offer.uplift).toMatchObject({ uplift: 0.5, credibleBenefit: true, credibleHarm: false });
    expect(Object.keys(offer.uplift.interval).sort()).toEqual(['high', 'low']);
    expect(offer.uplift.interval.low).toBeGreaterThan(0);
    expect(offer.uplift.interval.low).toBeLessThan(0.5);
    expect(offer.uplift.interval.high).toBeGreaterThan(0.5);
    expect(offer.uplift.interval.high).toBeLessThanOrEqual(1);
  });

  it("gives open opportunities and the latest optimize phase's planned actions", async () => {
    const o = (await get('/api/autonomous/optimization-opportunities')).json();
    expect(o.opportunities.map((f: { fingerprint: string }) => f.fingerprint)).toEqual([
      'kpi:ltv_cac',
      'kpi:activation_rate',
    ]);
    expect(o.cycleId).toBe('c2');
    expect(o.plannedActions.map((a: { actionId: string }) => a.actionId)).toEqual(['o2-b', 'o2-a']);
    expect(o.plannedActionsTotal).toBe(2);
  });
});
