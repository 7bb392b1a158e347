// From the gates' verdict on a plan to the status its action is stored with: recommended, blocked,
// shadowed (a type in shadow on the autonomy ladder, dry or live), dry_run, planned, pending_approval, or holdout when a measured type's admitted target is drawn into
// the control group (engine/learning/holdout.ts). Dry and live cycles hold out alike.
import { isHeldOut } from '../learning/holdout';
import { isMeasuredActionType } from '../learning/outcomes';
import type { ActionStatus } from '../types';
import type { Policies } from './config-schema';
import type { GateEvaluation } from './gates';

export interface ActionVerdict {
  status: ActionStatus;
  reason: string;
  heldOut: boolean;
  /** Counts against the type cap and, for a message, its recipient's contact cap (admitted and not held out). */
  admitted: boolean;
}

/** The share of eligible targets of a type held out as its control group (0 for unmeasured types). */
export function holdoutShareOf(policies: Pick<Policies, 'holdout'>, type: string): number {
  if (!isMeasuredActionType(type)) return 0;
  const h = policies.holdout as Record<string, number | undefined>;
  return h[type] ?? h.default ?? 0;
}

function statusFor(verdict: GateEvaluation['verdict'], dryRun: boolean): ActionStatus {
  if (verdict === 'recommendation') return 'recommended';
  if (verdict === 'shadow') return 'shadowed';
  if (verdict === 'blocked') return 'blocked';
  if (dryRun) return 'dry_run';
  return verdict === 'execute' ? 'planned' : 'pending_approval';
}

function statusReason(e: Pick<GateEvaluation, 'verdict' | 'reason'>, dryRun: boolean): string {
  if (e.verdict === 'recommendation' || e.verdict === 'blocked') return e.reason;
  if (e.verdict === 'shadow') return `shadow (autonomy ladder): ${e.reason}; nothing runs, no approval`;
  if (dryRun)
    return e.verdict === 'execute'
      ? 'dry run: would execute (all gates passed)'
      : `dry run: would need approval (${e.reason})`;
  return e.verdict === 'execute' ? e.reason : `needs approval: ${e.reason}`;
}

/** The stored status and reason of a plan the gates evaluated; only executable plans can be held out. */
export function actionVerdict(input: {
  plan: { type: string; targetId: string; executable: boolean };
  evaluation: Pick<GateEvaluation, 'verdict' | 'reason'>;
  dryRun: boolean;
  policies: Pick<Policies, 'holdout'>;
}): ActionVerdict {
  const { plan, evaluation, dryRun } = input;
  const eligible = plan.executable && (evaluation.verdict === 'execute' || evaluation.verdict === 'needs_approval');
  const share = holdoutShareOf(input.policies, plan.type);
  const heldOut = eligible && isHeldOut(plan.type, plan.targetId, share);
  if (heldOut)
    return {
      status: 'holdout',
      reason: `holdout: in the control group of ${plan.type} (${Math.round(share * 1000) / 10}% of eligible targets); no effect, outcome measured for uplift`,
      heldOut: true,
      admitted: false,
    };
  return {
    status: statusFor(evaluation.verdict, dryRun),
    reason: statusReason(evaluation, dryRun),
    heldOut,
    admitted: eligible,
  };
}
