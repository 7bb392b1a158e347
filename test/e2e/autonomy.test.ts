// The autonomy ladder over HTTP: every type's level with its evidence and next step, and an admin's pin
// (reason required, audited, 400 problem+json for a bad body) that the learn phase then leaves alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { learn } from '../../activities/learn';
import { ACTION_TYPES } from '../../engine/types';
import { insertCycle } from './fixtures';
import { problemOf, setupE2E, type E2E } from './harness';

let e: E2E;
beforeAll(async () => {
  e = await setupE2E('autonomy');
});
afterAll(async () => {
  await e?.close();
});

const list = async () =>
  (await e.app.inject({ method: 'GET', url: '/api/autonomous/autonomy', headers: e.as('viewer') })).json() as {
    items: Array<Record<string, any>>;
  };
const pin = (type: string, payload: unknown) =>
  e.app.inject({
    method: 'PUT',
    url: `/api/autonomous/autonomy/${type}`,
    headers: e.as('admin'),
    payload: payload as object,
  });

describe('GET /api/autonomous/autonomy', () => {
  it('lists every action type; the types that existed before the ladder start at auto', async () => {
    const { items } = await list();
    expect(items.map((i) => i.actionType)).toEqual([...ACTION_TYPES]);
    for (const i of items) expect(i).toMatchObject({ level: 'auto', storedLevel: 'auto', pinned: false });
  });

  it('shows a type without a row in shadow', async () => {
    await e.t.db('engine.autonomy_levels').where({ action_type: 'upgrade_offer' }).del();
    const offer = (await list()).items.find((i) => i.actionType === 'upgrade_offer')!;
    expect(offer).toMatchObject({ level: 'shadow', storedLevel: null, reason: 'a new action type starts in shadow' });
  });
});

describe('PUT /api/autonomous/autonomy/{actionType}', () => {
  it('needs a reason and a known level: 400 problem+json', async () => {
    const noReason = await pin('onboarding_nudge', { level: 'approval' });
    expect(problemOf(noReason).status).toBe(400);
    const badLevel = await pin('onboarding_nudge', { level: 'sometimes', reason: 'because' });
    expect(problemOf(badLevel).status).toBe(400);
    const badType = await pin('no_such_type', { level: 'auto', reason: 'because' });
    expect(problemOf(badType).status).toBe(400);
  });

  it('pins a level, audited; the learn phase leaves it; null unpins', async () => {
    const res = await pin('onboarding_nudge', { level: 'approval', reason: 'new copy under review' });
    expect(res.statusCode).toBe(200);
    expect(res.json().after).toMatchObject({ level: 'approval', pinned: true, pinnedReason: 'new copy under review' });
    const audit = await e.t.db('engine.audit_log').where({ event: 'autonomy.pinned' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ target: 'action_type:onboarding_nudge' });

    await insertCycle(e.t.db, { id: 'autonomy-learn' });
    const row = await e.t.db('engine.cycles').where({ id: 'autonomy-learn' }).first();
    await learn(
      { db: e.t.db },
      { cycleId: row.id, kind: 'cycle', dryRun: true, now: new Date(row.logical_now ?? row.started_at).toISOString() },
    );
    const after = (await list()).items.find((i) => i.actionType === 'onboarding_nudge')!;
    expect(after).toMatchObject({ level: 'approval', pinned: true });
    expect(after.nextStep).toMatch(/^stays at approval until unpinned/);

    const unpin = await pin('onboarding_nudge', { level: null, reason: 'review done' });
    expect(unpin.json().after).toMatchObject({ level: 'approval', pinned: false });
    expect(await e.t.db('engine.audit_log').where({ event: 'autonomy.unpinned' })).toHaveLength(1);
  });
});

describe('GET /api/autonomous/learning after a sample-ratio mismatch', () => {
  it('marks the type’s uplift untrustworthy, with the split and p', async () => {
    await insertCycle(e.t.db, { id: 'autonomy-seed' });
    // 150 of 1,000 held out at the default 10% share.
    await e.t.db.raw(
      `INSERT INTO engine.actions (id, cycle_id, phase, type, target_type, target_id, params, detection_confidence,
                                   confidence, mode, status, dry_run)
       SELECT 'autonomy-seed:' || g, 'autonomy-seed', 'optimize', 'proactive_retention', 'user', g::text, '{}'::jsonb,
              1, 0.9, 'auto', CASE WHEN g <= 150 THEN 'holdout' ELSE 'executed' END, false
         FROM generate_series(1, 1000) g`,
    );
    await e.t
      .db('engine.action_stats')
      .insert({
        action_type: 'proactive_retention',
        alpha: 1,
        beta: 1,
        successes: 300,
        failures: 500,
        holdout_successes: 30,
        holdout_failures: 90,
      })
      .onConflict('action_type')
      .merge();
    await insertCycle(e.t.db, { id: 'autonomy-srm' });
    const row = await e.t.db('engine.cycles').where({ id: 'autonomy-srm' }).first();
    await learn(
      { db: e.t.db },
      { cycleId: row.id, kind: 'cycle', dryRun: true, now: new Date(row.logical_now).toISOString() },
    );
    const learning = (
      await e.app.inject({ method: 'GET', url: '/api/autonomous/learning', headers: e.as('viewer') })
    ).json();
    const stat = learning.actionStats.find((s: { actionType: string }) => s.actionType === 'proactive_retention');
    expect(stat.uplift).toMatchObject({
      trustworthy: false,
      srm: { status: 'mismatch', observed: { treated: 850, holdout: 150 }, threshold: 0.001 },
    });
    const f = await e.app.inject({
      method: 'GET',
      url: '/api/autonomous/findings?detector=holdout',
      headers: e.as('viewer'),
    });
    expect(f.json().items.map((i: { fingerprint: string }) => i.fingerprint)).toEqual([
      'holdout:srm:proactive_retention',
    ]);
  });
});

describe('GET /api/autonomous/autonomy with guardrails', () => {
  it('shows each message type’s guardrails: treated vs holdout, always-valid p and interval, verdict', async () => {
    await insertCycle(e.t.db, { id: 'autonomy-guardrails' });
    const row = await e.t.db('engine.cycles').where({ id: 'autonomy-guardrails' }).first();
    const sent = new Date(new Date(row.logical_now).getTime() - 10 * 86_400_000);
    // onboarding_nudge: 400 treated (25% complain), 100 held out (none).
    await e.t.db.raw(
      `INSERT INTO engine.actions (id, cycle_id, phase, type, target_type, target_id, params, detection_confidence,
                                   confidence, mode, status, dry_run, executed_at)
       SELECT 'gr:' || g, ?, 'optimize', 'onboarding_nudge', 'user', (90000 + g)::text, '{}'::jsonb, 1, 0.9, 'auto',
              CASE WHEN g <= 400 THEN 'executed' ELSE 'holdout' END, false, ?
         FROM generate_series(1, 500) g`,
      [row.id, sent],
    );
    await e.t.db.raw(
      `INSERT INTO engine.suppressions (address, user_id, reason, source, created_at)
       SELECT 'g' || g || '@example.com', 90000 + g, 'complaint', 'test', ?::timestamptz + interval '1 day'
         FROM generate_series(1, 100) g`,
      [sent],
    );
    await learn(
      { db: e.t.db },
      { cycleId: row.id, kind: 'cycle', dryRun: true, now: new Date(row.logical_now).toISOString() },
    );
    const items = (await list()).items;
    expect(items.find((i) => i.actionType === 'retry_payment')!.guardrails).toBeNull();
    const nudge = items.find((i) => i.actionType === 'onboarding_nudge')!;
    expect(nudge.guardrails).toMatchObject({
      action: 'cancel_and_demote',
      reason: expect.stringMatching(/^complaint:/),
    });
    const complaint = nudge.guardrails.metrics.find((m: { metric: string }) => m.metric === 'complaint');
    expect(complaint).toMatchObject({
      verdict: 'breach_major',
      action: 'cancel_and_demote',
      treated: { actions: 400, affected: 100, rate: 0.25 },
      holdout: { actions: 100, affected: 0, rate: 0 },
    });
    // Every learn phase of this file looked (the earlier ones at no actions): one look each.
    expect(complaint.looks).toBe(3);
    expect(complaint.pValue).toBeLessThan(0.01);
    expect(complaint.interval.low).toBeGreaterThan(0);
    const churn = nudge.guardrails.metrics.find((m: { metric: string }) => m.metric === 'churn');
    expect(churn).toMatchObject({ verdict: 'inconclusive', action: null, pValue: 1, interval: null });
  });
});
