// Prevent phase planner (docs/architecture.md): act on users before they churn, and on data-quality drift before
// it grows. Pure.
//
//   proactive_retention  one message per live, reachable user with a churn signal, KPI or not: prevention
//                        acts before the KPIs move. Detection confidence per user:
//                          past_due subscription → 1 (a billing fact)
//                          declining activity    → P(θ < ½) with θ ~ Beta(1 + recent, 1 + previous), the
//                                                  share of the two weeks' events that fell in the last one:
//                                                  how sure the drop is real rather than noise.
//                        Past-due users first, then the steepest decline. Expected impact: P(success) users
//                        kept, and P(success) × their MRR per month.
//   data_fix_review      (not executable) one recommendation per drift finding (drift.ts): find the source
//                        of the new bad records before it grows; the records themselves are the heal
//                        phase's data_fix_review.
import { posteriorFrom, probabilityBelow } from '../stats/beta';
import type { ActionPlan, DetectedFinding } from '../types';
import { byKeys, indexFindings, plan, round6, successProbability, uniqueBy, type SuccessPosteriors } from './common';
import { DRIFT_KIND } from './drift';
import { dedupeMessagesByUser, excludeUsers, MESSAGE_TEMPLATES } from './messages';
import type { ChurnSignalTarget } from './targets';

export interface PreventInput {
  /** This cycle's findings, including the drift findings of dataQualityDrift. */
  findings: readonly DetectedFinding[];
  targets: { churnSignals?: readonly ChurnSignalTarget[] };
  successPosteriors?: SuccessPosteriors;
  /** Users an earlier phase of this cycle already planned a message for. */
  excludeUserIds?: Iterable<string | number>;
}

function isDeclining(r: ChurnSignalTarget): boolean {
  return r.decliningActivity && r.recentEvents * 2 < r.previousEvents;
}

/** Detection confidence of a churn signal (see the header); 0 when the row carries no signal. */
export function churnSignalConfidence(r: ChurnSignalTarget): number {
  if (r.pastDue) return 1;
  if (!isDeclining(r)) return 0;
  return probabilityBelow(0.5, posteriorFrom(r.recentEvents, r.recentEvents + r.previousEvents));
}

export function planProactiveRetention(input: PreventInput): ActionPlan[] {
  const p = successProbability('proactive_retention', input.successPosteriors);
  const rows = uniqueBy(
    (input.targets.churnSignals ?? []).filter((r) => r.pastDue || isDeclining(r)),
    (r) => r.userId,
  ).sort(
    byKeys(
      (r) => (r.pastDue ? 0 : 1),
      (r) => r.recentEvents - r.previousEvents,
      (r) => r.userId,
    ),
  );
  return rows.map((r) =>
    plan({
      phase: 'prevent',
      type: 'proactive_retention',
      targetType: 'user',
      targetId: r.userId,
      params: {
        userId: r.userId,
        template: MESSAGE_TEMPLATES.proactive_retention,
        signals: [...(r.pastDue ? ['past_due'] : []), ...(isDeclining(r) ? ['declining_activity'] : [])],
        pastDueSubscriptionId: r.pastDueSubscriptionId,
        recentEvents: r.recentEvents,
        previousEvents: r.previousEvents,
        mrrCents: r.mrrCents,
      },
      finding: null,
      detectionConfidence: churnSignalConfidence(r),
      expectedImpact: {
        deltaUsers: round6(p),
        revenueCents: Math.round(p * Math.max(r.mrrCents, 0)),
        revenuePeriod: 'month',
        successProbability: round6(p),
      },
    }),
  );
}

export function planDriftReviews(input: Pick<PreventInput, 'findings'>): ActionPlan[] {
  return [...indexFindings(input.findings).values()]
    .filter((f) => f.detector === 'drift' && f.kind === DRIFT_KIND)
    .sort(byKeys((f) => f.fingerprint))
    .map((f) =>
      plan({
        phase: 'prevent',
        type: 'data_fix_review',
        targetType: 'finding',
        targetId: f.fingerprint,
        params: {
          fingerprint: f.fingerprint,
          source: f.evidence.source,
          previous: f.evidence.previous,
          current: f.evidence.current,
          increase: f.evidence.increase,
          title: f.title,
          recommendation:
            'Find where the new bad records come from (a form, an import, an integration) and fix it at the source.',
        },
        finding: f,
        detectionConfidence: f.confidence,
        expectedImpact: { recordsAffected: f.evidence.count },
        executable: false,
      }),
    );
}

export function planPrevent(input: PreventInput): ActionPlan[] {
  const plans = [...planProactiveRetention(input), ...planDriftReviews(input)];
  return dedupeMessagesByUser(excludeUsers(plans, input.excludeUserIds));
}
