// Per-target fix budget: the same data fix attempted on the same target `maxFixes` times within `windowDays`
// means the fix does not stick (something upstream keeps undoing it, and the idempotency gate refuses to
// repeat a fix already done, so the action would be planned and blocked every cycle). The target is then held
// out of that fix type (quarantined) and raised as a high-severity finding, which the alert policy routes,
// instead of being planned again every cycle. The quarantine lasts while the window still holds maxFixes attempts.
import type { ActionPlan, ActionType, DetectedFinding } from '../types';

/** The automatic data fixes: the types whose repetition on one target is a symptom, not progress. */
export const FIX_BUDGET_TYPES = [
  'cancel_orphaned_subscription',
  'normalize_email',
] as const satisfies readonly ActionType[];

const BUDGETED = new Set<string>(FIX_BUDGET_TYPES);

/** Whether a plan's type is one the budget counts. */
export const isBudgetedFix = (plan: Pick<ActionPlan, 'type'>): boolean => BUDGETED.has(plan.type);

export interface FixBudgetPolicy {
  maxFixes: number;
  windowDays: number;
}

/** Live attempts (executed, failed, or refused as a repeat) per `${type}\u0000${targetId}` inside the window. */
export type FixCounts = ReadonlyMap<string, number>;

export const fixKey = (type: string, targetId: string) => `${type}\u0000${targetId}`;

export interface FixBudgetSplit {
  allowed: ActionPlan[];
  quarantined: Array<{ plan: ActionPlan; fixes: number }>;
}

/** Splits plans into those within budget and those whose target already had maxFixes attempts of the type. */
export function applyFixBudget(
  plans: readonly ActionPlan[],
  counts: FixCounts,
  policy: FixBudgetPolicy,
): FixBudgetSplit {
  const out: FixBudgetSplit = { allowed: [], quarantined: [] };
  for (const plan of plans) {
    const fixes = isBudgetedFix(plan) ? (counts.get(fixKey(plan.type, plan.targetId)) ?? 0) : 0;
    if (fixes >= policy.maxFixes) out.quarantined.push({ plan, fixes });
    else out.allowed.push(plan);
  }
  return out;
}

/** One finding per quarantined (type, target): stable fingerprint, so it stays open while the quarantine lasts. */
export function fixBudgetFindings(split: FixBudgetSplit, policy: FixBudgetPolicy): DetectedFinding[] {
  return split.quarantined.map(({ plan, fixes }) => ({
    fingerprint: `fix_budget:${plan.type}:${plan.targetId}`,
    detector: 'fix_budget',
    kind: plan.type,
    category: 'issue',
    severity: 'high',
    confidence: 1,
    title:
      `${plan.type} on ${plan.targetType} ${plan.targetId} ran ${fixes} times in ${policy.windowDays} days ` +
      `(budget ${policy.maxFixes}): quarantined, a person should find what keeps undoing it`,
    evidence: {
      count: 1,
      sampleIds: [plan.targetId],
      fixes,
      maxFixes: policy.maxFixes,
      windowDays: policy.windowDays,
      targetType: plan.targetType,
    },
  }));
}
