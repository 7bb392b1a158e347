// The per-target fix budget against a real PostgreSQL: a normalize_email the platform keeps undoing is
// attempted live by the pipeline once per cycle (done once, then refused as a duplicate each time the target
// needs it again); after maxFixes attempts inside the window the target is
// quarantined (not planned again) and raised as a high-severity finding, and the budget frees it once the
// window no longer holds maxFixes fixes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxMessenger } from '../../activities/effects/outbox-messenger';
import { processPlans, type EffectDeps } from '../../activities/effects/pipeline';
import { createSandboxPaymentGateway } from '../../activities/effects/sandbox-payment-gateway';
import { fixAttemptCounts } from '../../db/repos/actions';
import { getPolicies, setPolicy } from '../../db/repos/config';
import { listOpenFindings, recordFindings } from '../../db/repos/findings';
import { gateClassOf } from '../../engine/planning/gate-classes';
import { applyFixBudget, fixBudgetFindings } from '../../engine/safety/fix-budget';
import type { ActionPlan } from '../../engine/types';
import { createTestDb, type TestDb } from '../helpers/db';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const DAY = 86_400_000;
const DIRTY = '  Dana@Example.COM';
let t: TestDb;
let deps: EffectDeps;

beforeAll(async () => {
  t = await createTestDb('fix_budget');
  deps = {
    db: t.db,
    payments: createSandboxPaymentGateway(t.db, () => NOW),
    messenger: createOutboxMessenger(t.db, () => NOW),
    now: () => NOW,
  };
  await setPolicy(t.db, 'holdout', { default: 0 }, 'test', 'no control group in this test');
  // A learned Beta(60, 1) passes the healing gate, so the fix runs without an operator.
  await t
    .db('engine.action_stats')
    .insert({ action_type: 'normalize_email', alpha: 60, beta: 1, successes: 59, failures: 0 })
    .onConflict('action_type')
    .merge();
  await t.db('app.users').insert({ id: 1, email: DIRTY, created_at: new Date(NOW.getTime() - 30 * DAY) });
});
afterAll(() => t?.drop());

const fix: ActionPlan = {
  phase: 'heal',
  type: 'normalize_email',
  gateClass: gateClassOf('normalize_email'),
  targetType: 'user',
  targetId: '1',
  params: { userId: 1, fromEmail: DIRTY, email: 'dana@example.com' },
  findingFingerprint: null,
  detectionConfidence: 1,
  expectedImpact: {},
  executable: true,
};

async function liveCycle(id: string, at: Date): Promise<void> {
  await t.db('engine.cycles').insert({
    id,
    kind: 'cycle',
    trigger: 'api',
    requested_by: 'test',
    dry_run: false,
    phases: ['heal'],
    logical_now: at,
  });
}

describe('the per-target fix budget', () => {
  it('quarantines a target whose fix keeps being undone, raises a finding, and frees it after the window', async () => {
    const policy = (await getPolicies(t.db)).fix_budget;
    expect(policy).toEqual({ maxFixes: 3, windowDays: 7 });
    for (let i = 1; i <= policy.maxFixes; i += 1) {
      const at = new Date(NOW.getTime() + i * 3_600_000);
      await liveCycle(`fix-${i}`, at);
      const counts = await fixAttemptCounts(t.db, [fix], new Date(at.getTime() - policy.windowDays * DAY));
      expect(counts.get('normalize_email\u00001') ?? 0).toBe(i - 1);
      const split = applyFixBudget([fix], counts, policy);
      expect(split.allowed).toHaveLength(1);
      const r = await processPlans(
        { ...deps, now: () => at },
        { cycleId: `fix-${i}`, phase: 'heal', dryRun: false, now: at, plans: split.allowed },
      );
      // Done once; the idempotency gate refuses the same fix after the platform undid it: each is an attempt.
      if (i === 1) expect(r.executed).toEqual(['fix-1:normalize_email:1']);
      else expect(r.blocked).toEqual([`fix-${i}:normalize_email:1`]);
      const { email } = await t.db('app.users').where({ id: 1 }).first();
      expect(email).toBe(i === 1 ? 'dana@example.com' : DIRTY);
      await t.db('app.users').where({ id: 1 }).update({ email: DIRTY }); // the platform undoes it again
    }

    const at = new Date(NOW.getTime() + 5 * 3_600_000);
    await liveCycle('fix-4', at);
    const counts = await fixAttemptCounts(t.db, [fix], new Date(at.getTime() - policy.windowDays * DAY));
    const split = applyFixBudget([fix], counts, policy);
    expect(split.allowed).toEqual([]);
    expect(split.quarantined).toEqual([{ plan: fix, fixes: 3 }]);
    await recordFindings(t.db, 'fix-4', at, fixBudgetFindings(split, policy), { scope: ['fix_budget'] });
    const open = (await listOpenFindings(t.db)).filter((f) => f.detector === 'fix_budget');
    expect(open).toMatchObject([
      { fingerprint: 'fix_budget:normalize_email:1', severity: 'high', evidence: { fixes: 3, maxFixes: 3 } },
    ]);

    // A week after the first attempt the window holds two: the target may be planned again and the finding resolves.
    const later = new Date(NOW.getTime() + policy.windowDays * DAY + 2 * 3_600_000);
    await liveCycle('fix-5', later);
    const after = applyFixBudget(
      [fix],
      await fixAttemptCounts(t.db, [fix], new Date(later.getTime() - policy.windowDays * DAY)),
      policy,
    );
    expect(after.allowed).toEqual([fix]);
    await recordFindings(t.db, 'fix-5', later, fixBudgetFindings(after, policy), { scope: ['fix_budget'] });
    expect((await listOpenFindings(t.db)).filter((f) => f.detector === 'fix_budget')).toEqual([]);
  });

  it('rejects a policy outside its bounds', async () => {
    await expect(setPolicy(t.db, 'fix_budget', { maxFixes: 0, windowDays: 7 }, 'test', 'bad')).rejects.toThrow(
      /at least 1/,
    );
  });
});
