import { describe, expect, it } from 'vitest';
import { applyFixBudget, fixBudgetFindings, fixKey } from '../../engine/safety/fix-budget';
import type { ActionPlan, ActionType } from '../../engine/types';

const plan = (type: ActionType, targetId: string): ActionPlan => ({
  phase: 'heal',
  type,
  gateClass: 'healing',
  targetType: 'subscription',
  targetId,
  params: {},
  findingFingerprint: null,
  detectionConfidence: 1,
  expectedImpact: {},
  executable: true,
});
const policy = { maxFixes: 2, windowDays: 7 };

describe('applyFixBudget', () => {
  it('holds out only budgeted data fixes whose target reached maxFixes', () => {
    const over = plan('cancel_orphaned_subscription', '7');
    const under = plan('cancel_orphaned_subscription', '8');
    const payment = plan('retry_payment', '7'); // payments have their own caps: never budgeted here
    const counts = new Map([
      [fixKey('cancel_orphaned_subscription', '7'), 2],
      [fixKey('cancel_orphaned_subscription', '8'), 1],
      [fixKey('retry_payment', '7'), 9],
    ]);
    const split = applyFixBudget([over, under, payment], counts, policy);
    expect(split.allowed).toEqual([under, payment]);
    expect(split.quarantined).toEqual([{ plan: over, fixes: 2 }]);
    const [finding] = fixBudgetFindings(split, policy);
    expect(finding).toMatchObject({
      fingerprint: 'fix_budget:cancel_orphaned_subscription:7',
      detector: 'fix_budget',
      severity: 'high',
      confidence: 1,
      evidence: { count: 1, sampleIds: ['7'], fixes: 2, maxFixes: 2, windowDays: 7 },
    });
    expect(finding!.title).toMatch(/ran 2 times in 7 days \(budget 2\): quarantined/);
  });

  it('allows everything when nothing was fixed', () => {
    const plans = [plan('normalize_email', '1'), plan('normalize_email', '2')];
    expect(applyFixBudget(plans, new Map(), policy)).toEqual({ allowed: plans, quarantined: [] });
  });
});
