// Holdouts end to end on PostgreSQL: a live cycle holds out the policy's share of eligible targets (no
// message, no approval, outcome window recorded), their outcomes are measured once into the control
// group's counts and never into the success posterior, a target in an open control window is not
// planned again, and the learn phase demotes a type whose uplift is credibly negative (decision and
// audit entry, once) — after which the gates send it to approval.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { learn } from '../../activities/learn';
import { createOutboxMessenger } from '../../activities/effects/outbox-messenger';
import { processPlans, type EffectDeps } from '../../activities/effects/pipeline';
import { createSandboxPaymentGateway } from '../../activities/effects/sandbox-payment-gateway';
import { listActionStats } from '../../db/repos/action-stats';
import { measureOutcomes } from '../../db/repos/action-stats';
import { queryCycleExecutions } from '../../db/repos/actions';
import { setPolicy } from '../../db/repos/config';
import { gateClassOf } from '../../engine/planning/gate-classes';
import type { ActionPlan } from '../../engine/types';
import { createTestDb, type TestDb } from '../helpers/db';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const DAY = 86_400_000;
let t: TestDb;
let deps: EffectDeps;

const nudge = (userId: number): ActionPlan => ({
  phase: 'optimize',
  type: 'onboarding_nudge',
  gateClass: gateClassOf('onboarding_nudge'),
  targetType: 'user',
  targetId: String(userId),
  params: { userId },
  findingFingerprint: null,
  detectionConfidence: 1,
  expectedImpact: {},
  executable: true,
});

async function cycle(id: string, dryRun: boolean, now = NOW) {
  await t.db('engine.cycles').insert({
    id,
    kind: 'cycle',
    trigger: 'api',
    requested_by: 'test',
    dry_run: dryRun,
    phases: ['optimize', 'learn'],
    logical_now: now,
  });
}

beforeAll(async () => {
  t = await createTestDb('holdout');
  const clock = () => NOW;
  deps = {
    db: t.db,
    payments: createSandboxPaymentGateway(t.db, clock),
    messenger: createOutboxMessenger(t.db, clock),
    now: clock,
  };
  await t
    .db('engine.action_stats')
    .insert({ action_type: 'onboarding_nudge', alpha: 60, beta: 1, successes: 59, failures: 0 })
    .onConflict('action_type')
    .merge();
  await t.db('app.users').insert(
    Array.from({ length: 60 }, (_, i) => ({
      id: 100 + i,
      email: `u${100 + i}@example.com`,
      created_at: new Date(NOW.getTime() - 3 * DAY),
    })),
  );
  await setPolicy(t.db, 'holdout', { default: 0.5 }, 'test', 'a large control group for the test');
});
afterAll(() => t?.drop());

describe('holdout in a live cycle', () => {
  let heldOut: string[] = [];
  let executed: string[] = [];

  it('holds out about the share of eligible targets: no message, outcome window recorded', async () => {
    await cycle('ho-1', false);
    const r = await processPlans(deps, {
      cycleId: 'ho-1',
      phase: 'optimize',
      dryRun: false,
      now: NOW,
      plans: Array.from({ length: 60 }, (_, i) => nudge(100 + i)),
    });
    heldOut = r.heldOut;
    executed = r.executed;
    expect(heldOut.length + executed.length).toBe(60);
    expect(heldOut.length).toBeGreaterThan(15);
    expect(heldOut.length).toBeLessThan(45);
    expect(r.needsApproval).toEqual([]);
    const outbox = await t.db('engine.outbox').pluck('user_id');
    expect(outbox.map(Number).sort()).toEqual(executed.map((id) => Number(id.split(':').at(-1))).sort());
    const row = await t.db('engine.actions').where({ id: heldOut[0] }).first();
    expect(row).toMatchObject({ status: 'holdout', dry_run: false });
    expect(new Date(row.executed_at).toISOString()).toBe(NOW.toISOString());
    expect(new Date(row.outcome_due_at).toISOString()).toBe(new Date(NOW.getTime() + 7 * DAY).toISOString());
    expect(row.status_reason).toMatch(/^holdout: in the control group of onboarding_nudge \(50%/);
    expect(await t.db('engine.effects').whereIn('action_id', heldOut)).toEqual([]);
    // verify checks executions: a held-out action never ran, so it is not one.
    expect((await queryCycleExecutions(t.db, 'ho-1')).map((x) => x.id).sort()).toEqual([...executed].sort());
  });

  it('measures control outcomes once, into the control counts only', async () => {
    // Half of every group activates within the window.
    const all = [...heldOut, ...executed].map((id) => Number(id.split(':').at(-1)));
    await t
      .db('app.users')
      .whereIn(
        'id',
        all.filter((u) => u % 2 === 0),
      )
      .update({ activated_at: new Date(NOW.getTime() + 2 * DAY) });
    const later = new Date(NOW.getTime() + 8 * DAY);
    const r = await measureOutcomes(t.db, later);
    const h = r.byType.onboarding_nudge!;
    expect(h.holdout!.success + h.holdout!.failure).toBe(heldOut.length);
    expect(h.success + h.failure).toBe(executed.length);
    const stats = (await listActionStats(t.db)).find((s) => s.actionType === 'onboarding_nudge')!;
    expect(stats.successes + stats.failures).toBe(59 + executed.length);
    expect(stats.holdoutSuccesses + stats.holdoutFailures).toBe(heldOut.length);
    expect(stats.alpha + stats.beta).toBe(61 + executed.length);
    const again = await measureOutcomes(t.db, later);
    expect(again.measured).toBe(0);
    const same = (await listActionStats(t.db)).find((s) => s.actionType === 'onboarding_nudge')!;
    expect(same).toEqual(stats);
    // Every nudged user signed up 3 days before: treated outcomes land in the 'new' segment, once.
    const seg = await t.db('engine.action_segment_stats').where({ action_type: 'onboarding_nudge' });
    expect(
      seg.map((r: { segment: string; successes: number; failures: number }) => [r.segment, r.successes + r.failures]),
    ).toEqual([['new', executed.length]]);
  });
});

describe('demotion by the learn phase', () => {
  it('demotes a credibly harmful type once, with a decision and an audit entry, and the gates then ask for approval', async () => {
    await t
      .db('engine.action_stats')
      .where({ action_type: 'onboarding_nudge' })
      .update({ successes: 100, failures: 400, holdout_successes: 60, holdout_failures: 90 });
    const at = new Date(NOW.getTime() + 9 * DAY);
    await cycle('ho-learn', false, at);
    const ctx = { cycleId: 'ho-learn', kind: 'cycle' as const, dryRun: false, now: at.toISOString() };
    const summary = await learn({ db: t.db }, ctx);
    expect(summary.counts.demotionChanges).toBe(1);
    const stats = (await listActionStats(t.db)).find((s) => s.actionType === 'onboarding_nudge')!;
    expect(stats.demoted).toBe(true);
    expect(stats.demotedReason).toMatch(/onboarding_nudge is demoted to approval-only/);
    const decision = await t
      .db('engine.decisions')
      .where({ cycle_id: 'ho-learn', kind: 'action_type_demotion' })
      .first();
    expect(decision.payload.changes[0]).toMatchObject({ type: 'onboarding_nudge', change: 'demote' });
    expect(await t.db('engine.audit_log').where({ event: 'action_type.demotion', cycle_id: 'ho-learn' })).toHaveLength(
      1,
    );

    // A second learn of the same cycle (a retried activity) changes nothing twice.
    await learn({ db: t.db }, ctx);
    expect(await t.db('engine.audit_log').where({ event: 'action_type.demotion' })).toHaveLength(1);

    await setPolicy(t.db, 'holdout', { default: 0 }, 'test', 'treat everyone');
    await cycle('ho-2', false, at);
    const r = await processPlans(deps, {
      cycleId: 'ho-2',
      phase: 'optimize',
      dryRun: false,
      now: at,
      plans: [nudge(100), nudge(101)],
    });
    expect(r.executed).toEqual([]);
    expect(r.needsApproval).toHaveLength(2);
    const gate = await t
      .db('engine.gate_decisions')
      .where({ action_id: r.needsApproval[0], gate: 'confidence' })
      .first();
    expect(gate).toMatchObject({ passed: false });
    expect(gate.reason).toMatch(/^onboarding_nudge is demoted to approval-only/);
  });
});

describe('segment posteriors', () => {
  it("the gates use a segment's own posterior once it has 30 outcomes, else the type's", async () => {
    await setPolicy(t.db, 'holdout', { default: 0 }, 'test', 'treat everyone');
    await t
      .db('engine.action_stats')
      .insert({ action_type: 'retention_campaign', alpha: 60, beta: 1, successes: 59, failures: 0 })
      .onConflict('action_type')
      .merge();
    await t.db('app.users').insert([
      { id: 900, email: 'new@example.com', created_at: new Date(NOW.getTime() - 5 * DAY) },
      { id: 901, email: 'old@example.com', created_at: new Date(NOW.getTime() - 200 * DAY) },
    ]);
    // New users hardly ever come back after a campaign: 2 of 42.
    await t
      .db('engine.action_segment_stats')
      .insert({ action_type: 'retention_campaign', segment: 'new', successes: 2, failures: 40 });
    await t
      .db('engine.action_segment_stats')
      .insert({ action_type: 'retention_campaign', segment: 'established', successes: 3, failures: 3 });
    const plan = (userId: number): ActionPlan => ({
      ...nudge(userId),
      type: 'retention_campaign',
      gateClass: gateClassOf('retention_campaign'),
    });
    await cycle('seg-1', false);
    const r = await processPlans(deps, {
      cycleId: 'seg-1',
      phase: 'optimize',
      dryRun: false,
      now: NOW,
      plans: [plan(900), plan(901)],
    });
    expect(r.needsApproval).toEqual(['seg-1:retention_campaign:900']);
    expect(r.executed).toEqual(['seg-1:retention_campaign:901']);
    const gNew = await t
      .db('engine.gate_decisions')
      .where({ action_id: 'seg-1:retention_campaign:900', gate: 'confidence' })
      .first();
    expect(gNew.details).toMatchObject({
      segment: 'new',
      posteriorSource: 'segment',
      segmentOutcomes: 42,
      posterior: { alpha: 3, beta: 41 },
    });
    const gOld = await t
      .db('engine.gate_decisions')
      .where({ action_id: 'seg-1:retention_campaign:901', gate: 'confidence' })
      .first();
    expect(gOld.details).toMatchObject({ segment: 'established', posteriorSource: 'type', segmentOutcomes: 6 });
    expect((await t.db('engine.actions').where({ id: 'seg-1:retention_campaign:900' }).first()).segment).toBe('new');
  });
});
