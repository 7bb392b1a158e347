// The sample-ratio-mismatch check and the autonomy ladder on PostgreSQL: a skewed holdout split opens a
// holdout:srm finding and marks the type's uplift untrustworthy, a healthy one does not, and the finding
// resolves once the split is healthy again; a type without a ladder row is shadowed (no effect, no
// approval), then climbs shadow → approval → auto on seeded evidence through the learn phase, and an SRM
// demotes it; a pinned level holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { learn } from '../../activities/learn';
import { createOutboxMessenger } from '../../activities/effects/outbox-messenger';
import { executeAction } from '../../activities/effects/executor';
import { processPlans, type EffectDeps } from '../../activities/effects/pipeline';
import { createSandboxPaymentGateway } from '../../activities/effects/sandbox-payment-gateway';
import { listAutonomyLevels, pinAutonomyLevel } from '../../db/repos/autonomy-levels';
import { setPolicy } from '../../db/repos/config';
import { gateClassOf } from '../../engine/planning/gate-classes';
import type { ActionPlan, ActionType } from '../../engine/types';
import { createTestDb, type TestDb } from '../helpers/db';

const NOW = new Date('2026-12-02T12:00:00.000Z');
const HOUR = 3_600_000;
let t: TestDb;
let deps: EffectDeps;
let cycles = 0;

const offer = (userId: number): ActionPlan => ({
  phase: 'optimize',
  type: 'upgrade_offer',
  gateClass: gateClassOf('upgrade_offer'),
  targetType: 'user',
  targetId: String(userId),
  params: { userId },
  findingFingerprint: null,
  detectionConfidence: 1,
  expectedImpact: {},
  executable: true,
});

async function cycle(dryRun = false): Promise<string> {
  const id = `al-${++cycles}`;
  const at = new Date(NOW.getTime() + cycles * HOUR);
  await t.db('engine.cycles').insert({
    id,
    kind: 'cycle',
    trigger: 'api',
    requested_by: 'test',
    dry_run: dryRun,
    phases: ['optimize', 'learn'],
    logical_now: at,
  });
  return id;
}

async function learnIn(id: string) {
  const row = await t.db('engine.cycles').where({ id }).first();
  return learn(
    { db: t.db },
    { cycleId: id, kind: 'cycle', dryRun: row.dry_run, now: new Date(row.logical_now).toISOString() },
  );
}

/** `n` admitted actions of a type with the given status, set-based, in a seeding cycle. */
async function seedActions(type: ActionType, status: 'executed' | 'holdout', n: number, from: number) {
  const id = await cycle();
  await t.db.raw(
    `INSERT INTO engine.actions (id, cycle_id, phase, type, target_type, target_id, params, detection_confidence,
                                 confidence, mode, status, dry_run)
     SELECT ? || ':' || g, ?, 'optimize', ?, 'user', g::text, '{}'::jsonb, 1, 0.9, 'auto', ?, false
       FROM generate_series(?::int, ?::int) g`,
    [`${id}:${type}`, id, type, status, from, from + n - 1],
  );
}

async function levelOf(type: string) {
  return (await listAutonomyLevels(t.db)).find((l) => l.actionType === type);
}

beforeAll(async () => {
  t = await createTestDb('autonomy_ladder');
  const clock = () => NOW;
  deps = {
    db: t.db,
    payments: createSandboxPaymentGateway(t.db, clock),
    messenger: createOutboxMessenger(t.db, clock),
    now: clock,
  };
  await setPolicy(t.db, 'autonomy_ladder', { minShadowDecisions: 20, minOutcomes: 100 }, 'test', 'a short ladder');
});
afterAll(() => t?.drop());

describe('sample-ratio mismatch', () => {
  it('a skewed split opens a holdout:srm finding and makes the uplift untrustworthy; a healthy split does not', async () => {
    // onboarding_nudge: 150 of 1,000 held out at a 10% share (p ≈ 1e-7); retention_campaign: 100 of 1,000.
    await seedActions('onboarding_nudge', 'executed', 850, 1);
    await seedActions('onboarding_nudge', 'holdout', 150, 1001);
    await seedActions('retention_campaign', 'executed', 900, 1);
    await seedActions('retention_campaign', 'holdout', 100, 1001);
    const counts = { successes: 300, failures: 500, holdout_successes: 20, holdout_failures: 80 };
    await t
      .db('engine.action_stats')
      .insert(
        ['onboarding_nudge', 'retention_campaign'].map((action_type) => ({
          action_type,
          alpha: 301,
          beta: 501,
          ...counts,
        })),
      )
      .onConflict('action_type')
      .merge();
    const id = await cycle();
    const summary = await learnIn(id);
    expect(summary.counts.sampleRatioMismatches).toBe(1);

    const findings = await t.db('engine.findings').where({ detector: 'holdout' });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ fingerprint: 'holdout:srm:onboarding_nudge', kind: 'srm', status: 'open' });
    expect(findings[0].evidence).toMatchObject({
      observed: { treated: 850, holdout: 150 },
      expected: { treated: 900, holdout: 100 },
      threshold: 0.001,
    });
    expect(findings[0].evidence.pValue).toBeLessThan(1e-6);

    const uplift = (await t.db('engine.learnings').where({ cycle_id: id, kind: 'action_uplift' }).first()).payload
      .uplift;
    expect(uplift.onboarding_nudge).toMatchObject({ trustworthy: false, srm: { status: 'mismatch' } });
    expect(uplift.retention_campaign).toMatchObject({ trustworthy: true, srm: { status: 'healthy' } });

    // The ladder's decision names the mismatch; the type (at auto since the migration) is demoted a step.
    const decision = await t.db('engine.decisions').where({ cycle_id: id, kind: 'autonomy_ladder' }).first();
    expect(decision.title).toMatch(/sample-ratio mismatch in onboarding_nudge/);
    expect((await levelOf('onboarding_nudge'))!.level).toBe('approval');
    expect((await levelOf('retention_campaign'))!.level).toBe('auto');
  });

  it('resolves the finding once the split is healthy again', async () => {
    // 500 more treated: 150 of 1,500 = 10%.
    await seedActions('onboarding_nudge', 'executed', 500, 2001);
    const id = await cycle();
    const summary = await learnIn(id);
    expect(summary.counts.sampleRatioMismatches).toBe(0);
    const f = await t.db('engine.findings').where({ fingerprint: 'holdout:srm:onboarding_nudge' }).first();
    expect(f).toMatchObject({ status: 'resolved', resolved_cycle_id: id });
  });
});

describe('the autonomy ladder', () => {
  it('a type without a ladder row is shadowed: gated and recorded, no effect, no approval', async () => {
    await t.db('engine.autonomy_levels').where({ action_type: 'upgrade_offer' }).del();
    await t
      .db('engine.action_stats')
      .insert({ action_type: 'upgrade_offer', alpha: 60, beta: 1, successes: 0, failures: 0 })
      .onConflict('action_type')
      .merge();
    await setPolicy(t.db, 'holdout', { default: 0 }, 'test', 'treat everyone');
    const id = await cycle();
    const r = await processPlans(deps, {
      cycleId: id,
      phase: 'optimize',
      dryRun: false,
      now: NOW,
      plans: Array.from({ length: 25 }, (_, i) => offer(5000 + i)),
    });
    expect(r.shadowed).toHaveLength(25);
    expect([...r.executed, ...r.needsApproval, ...r.heldOut, ...r.blocked]).toEqual([]);
    const rows = await t.db('engine.actions').where({ cycle_id: id });
    expect(new Set(rows.map((a: { status: string; mode: string }) => `${a.status}/${a.mode}`))).toEqual(
      new Set(['shadowed/shadow']),
    );
    expect(rows[0].status_reason).toMatch(/^shadow \(autonomy ladder\): would execute/);
    expect(
      await t.db('engine.outbox').whereIn(
        'user_id',
        rows.map((a: { target_id: string }) => Number(a.target_id)),
      ),
    ).toEqual([]);
    expect(await t.db('engine.effects').whereIn('action_id', r.shadowed)).toEqual([]);
    expect(await t.db('engine.approvals').whereIn('action_id', r.shadowed)).toEqual([]);
    // Even called directly, the executor refuses a shadowed action.
    await expect(executeAction(deps, r.shadowed[0]!)).rejects.toThrow(/is shadowed: only planned \(auto\) or approved/);
    expect(await t.db('engine.effects').whereIn('action_id', r.shadowed)).toEqual([]);
    const gates = await t.db('engine.gate_decisions').whereIn('action_id', r.shadowed);
    expect(gates.length).toBeGreaterThan(25);
  });

  it('climbs shadow → approval on shadow decisions, then approval → auto on measured uplift', async () => {
    const first = await cycle();
    await learnIn(first);
    expect(await levelOf('upgrade_offer')).toMatchObject({ level: 'approval', pinned: false });
    const audit = await t.db('engine.audit_log').where({ event: 'autonomy.level', cycle_id: first }).first();
    expect(audit.after.changes).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'upgrade_offer', from: 'shadow', to: 'approval' })]),
    );
    // A retried learn of the same cycle does not climb a second rung.
    await learnIn(first);
    expect((await levelOf('upgrade_offer'))!.level).toBe('approval');

    // At approval the gates ask an operator even at high confidence.
    const planning = await cycle();
    const r = await processPlans(deps, {
      cycleId: planning,
      phase: 'optimize',
      dryRun: false,
      now: NOW,
      plans: [offer(6000)],
    });
    expect(r.needsApproval).toHaveLength(1);
    expect(r.executed).toEqual([]);

    // Not enough evidence yet: stays, with the next step spelled out.
    await learnIn(await cycle());
    expect(await levelOf('upgrade_offer')).toMatchObject({ level: 'approval' });
    expect((await levelOf('upgrade_offer'))!.nextStep).toMatch(/^auto after 100 more measured outcomes/);

    // 60% treated vs 20% held out over 200 + 100 outcomes, on a healthy split.
    await t.db('engine.action_stats').where({ action_type: 'upgrade_offer' }).update({
      successes: 120,
      failures: 80,
      holdout_successes: 20,
      holdout_failures: 80,
    });
    await learnIn(await cycle());
    const auto = await levelOf('upgrade_offer');
    expect(auto).toMatchObject({ level: 'auto' });
    expect(auto!.evidence).toMatchObject({ outcomes: 200 });
    const again = await cycle();
    const run = await processPlans(deps, {
      cycleId: again,
      phase: 'optimize',
      dryRun: true,
      now: NOW,
      plans: [offer(6001)],
    });
    expect((await t.db('engine.actions').where({ id: run.actionIds[0] }).first()).mode).toBe('auto');
  });

  it('an SRM on its holdout demotes it to approval', async () => {
    await seedActions('upgrade_offer', 'executed', 700, 1);
    await seedActions('upgrade_offer', 'holdout', 200, 1001);
    await setPolicy(t.db, 'holdout', { default: 0.1 }, 'test', 'the usual share');
    const id = await cycle();
    await learnIn(id);
    const level = await levelOf('upgrade_offer');
    expect(level!.level).toBe('approval');
    expect(level!.reason).toMatch(/^demoted auto → approval: sample-ratio mismatch/);
    expect(
      await t.db('engine.findings').where({ fingerprint: 'holdout:srm:upgrade_offer', status: 'open' }),
    ).toHaveLength(1);
  });

  it('a pinned level holds whatever the evidence until unpinned', async () => {
    await pinAutonomyLevel(t.db, 'retention_campaign', {
      level: 'shadow',
      by: 'alice',
      reason: 'new copy under review',
    });
    await learnIn(await cycle());
    expect(await levelOf('retention_campaign')).toMatchObject({ level: 'shadow', pinned: true, pinnedBy: 'alice' });
    expect((await levelOf('retention_campaign'))!.nextStep).toMatch(/^stays at shadow until unpinned/);
    await pinAutonomyLevel(t.db, 'retention_campaign', { level: null, by: 'alice', reason: 'reviewed' });
    expect(await levelOf('retention_campaign')).toMatchObject({ level: 'shadow', pinned: false });
  });
});
