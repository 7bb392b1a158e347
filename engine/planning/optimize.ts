// Optimize phase planner (docs/architecture.md): for each KPI below target, the actions that move it. Pure.
//
//   onboarding_nudge       non-activated signups of the last 1–14 days, while activation_rate (else
//                          signup_to_activation) is below target. Not planned as a standing "opportunity"
//                          when both are at target: without a measured gap there is no detection confidence
//                          to gate on, and every nudge spends a user's contact budget (one message / 7 days).
//   retention_campaign     at-risk users while d7_retention is below target (retention.ts).
//   upgrade_offer          highly active free/lowest-plan users while ltv_cac is below target (an upgrade
//                          raises ARPA, hence LTV), offering the plan one step up.
//   funnel_recommendation  (not executable) the weakest step of the signup→activation funnel while
//                          signup_to_activation is below target, targetId = the step name; and one for
//                          ltv_cac below target, targetId 'ltv_cac', naming the churn / ARPA / CAC that
//                          would each alone reach the target (the action type list has no pricing type).
// Detection confidence of every plan = its driving KPI finding's (P(KPI < target)). One message per user
// (messages.ts priority); users an earlier phase of the cycle already messages are left out.
import { dropOffStep, FUNNEL_STEPS, type FunnelStep, type FunnelStepName } from '../kpi/funnel';
import type { ActionPlan, DetectedFinding, KpiResult } from '../types';
import {
  byKeys,
  finiteNumber,
  indexFindings,
  kpiDetails,
  kpiDriver,
  plan,
  round6,
  successProbability,
  uniqueBy,
  type KpiDriver,
  type SuccessPosteriors,
} from './common';
import { dedupeMessagesByUser, excludeUsers, MESSAGE_TEMPLATES } from './messages';
import { planRetentionCampaigns } from './retention';
import type { AtRiskUserTarget, RecentSignupTarget, UpgradeCandidateTarget } from './targets';

export interface OptimizeTargets {
  recentSignups?: readonly RecentSignupTarget[];
  atRiskUsers?: readonly AtRiskUserTarget[];
  upgradeCandidates?: readonly UpgradeCandidateTarget[];
}

export interface OptimizeInput {
  findings: readonly DetectedFinding[];
  kpis?: readonly KpiResult[];
  targets: OptimizeTargets;
  successPosteriors?: SuccessPosteriors;
  /** Users an earlier phase of this cycle already planned a message for. */
  excludeUserIds?: Iterable<string | number>;
}

function rateImpact(driver: KpiDriver, p: number): Record<string, unknown> {
  return {
    kpi: driver.kpi,
    deltaUsers: round6(p),
    ...(driver.sampleSize ? { delta: round6(p / driver.sampleSize) } : {}),
    successProbability: round6(p),
  };
}

/** Newest signups first (the query's order): they can still activate within their first 7 days. */
export function planOnboardingNudges(input: OptimizeInput): ActionPlan[] {
  const findings = indexFindings(input.findings);
  const driver =
    kpiDriver(findings, input.kpis, 'activation_rate') ?? kpiDriver(findings, input.kpis, 'signup_to_activation');
  if (!driver) return [];
  const p = successProbability('onboarding_nudge', input.successPosteriors);
  const rows = uniqueBy(input.targets.recentSignups ?? [], (r) => r.userId).sort(
    byKeys(
      (r) => -Date.parse(r.createdAt),
      (r) => r.userId,
    ),
  );
  return rows.map((r) =>
    plan({
      phase: 'optimize',
      type: 'onboarding_nudge',
      targetType: 'user',
      targetId: r.userId,
      params: {
        userId: r.userId,
        template: MESSAGE_TEMPLATES.onboarding_nudge,
        signedUpAt: r.createdAt,
        kpi: driver.kpi,
      },
      finding: driver.finding,
      detectionConfidence: driver.finding.confidence,
      expectedImpact: rateImpact(driver, p),
    }),
  );
}

/** Most active first (the query's order). Expected impact: P(success) × the monthly MRR gain. */
export function planUpgradeOffers(input: OptimizeInput): ActionPlan[] {
  const driver = kpiDriver(indexFindings(input.findings), input.kpis, 'ltv_cac');
  if (!driver) return [];
  const p = successProbability('upgrade_offer', input.successPosteriors);
  const rows = uniqueBy(
    (input.targets.upgradeCandidates ?? []).filter((r) => r.offerMrrCents > r.currentMrrCents),
    (r) => r.userId,
  ).sort(
    byKeys(
      (r) => -r.events,
      (r) => r.userId,
    ),
  );
  return rows.map((r) =>
    plan({
      phase: 'optimize',
      type: 'upgrade_offer',
      targetType: 'user',
      targetId: r.userId,
      params: {
        userId: r.userId,
        template: MESSAGE_TEMPLATES.upgrade_offer,
        offerPlanId: r.offerPlanId,
        offerPlanName: r.offerPlanName,
        offerMrrCents: r.offerMrrCents,
        currentMrrCents: r.currentMrrCents,
        recentEvents: r.events,
        kpi: 'ltv_cac',
      },
      finding: driver.finding,
      detectionConfidence: driver.finding.confidence,
      expectedImpact: {
        kpi: 'ltv_cac',
        revenueCents: Math.round(p * (r.offerMrrCents - r.currentMrrCents)),
        revenuePeriod: 'month',
        deltaUsers: round6(p),
        successProbability: round6(p),
      },
    }),
  );
}

export const FUNNEL_ADVICE: Record<Exclude<FunnelStepName, 'signed_up'>, string> = {
  onboarding_completed:
    'Most signups never finish onboarding: shorten it and follow up with users who start it but do not complete it.',
  activated:
    'Users finish onboarding but do not reach activation: lead them to the activation event (templates, a first-project checklist).',
  paid: 'Activated users do not convert to paid: review the paywall, the trial length and plan pricing.',
};

function isFunnelStep(x: unknown): x is FunnelStep {
  const s = x as FunnelStep;
  return (
    s != null &&
    typeof s === 'object' &&
    (FUNNEL_STEPS as readonly string[]).includes(s.step) &&
    typeof s.count === 'number'
  );
}

/** The weakest step: details.dropOff when the KPI module named it, else recomputed from details.steps. */
export function weakestFunnelStep(details: Record<string, unknown>): { step: FunnelStep; previous: FunnelStep } | null {
  const steps = Array.isArray(details.steps) ? details.steps.filter(isFunnelStep) : [];
  const named = (details.dropOff as { step?: unknown } | null | undefined)?.step;
  const drop = steps.find((s) => s.step === named) ?? dropOffStep(steps);
  const i = drop ? steps.indexOf(drop) : -1;
  const previous = i > 0 ? steps[i - 1] : undefined;
  return drop && previous && drop.step !== 'signed_up' ? { step: drop, previous } : null;
}

export function planFunnelRecommendation(input: OptimizeInput): ActionPlan[] {
  const driver = kpiDriver(indexFindings(input.findings), input.kpis, 'signup_to_activation');
  if (!driver) return [];
  const weakest = weakestFunnelStep(kpiDetails(driver));
  if (!weakest) return [];
  const { step, previous } = weakest;
  const name = step.step as Exclude<FunnelStepName, 'signed_up'>;
  const usersLost = Math.max(previous.count - step.count, 0);
  return [
    plan({
      phase: 'optimize',
      type: 'funnel_recommendation',
      targetType: 'funnel',
      targetId: name,
      params: {
        kpi: 'signup_to_activation',
        step: name,
        previousStep: previous.step,
        conversion: step.conversion,
        usersEntering: previous.count,
        usersLost,
        recommendation: FUNNEL_ADVICE[name],
      },
      finding: driver.finding,
      detectionConfidence: driver.finding.confidence,
      expectedImpact: { kpi: 'signup_to_activation', step: name, usersLost },
      executable: false,
    }),
  ];
}

/**
 * LTV:CAC = ARPA × margin / (churn × CAC), so reaching the target from value v needs, each lever alone,
 * churn × v/target, ARPA × target/v or CAC × v/target.
 */
export function planLtvCacRecommendation(input: OptimizeInput): ActionPlan[] {
  const driver = kpiDriver(indexFindings(input.findings), input.kpis, 'ltv_cac');
  if (!driver) return [];
  const d = kpiDetails(driver);
  const value = finiteNumber(driver.result?.value) ?? finiteNumber(driver.finding.evidence.value);
  const target = finiteNumber(driver.result?.target) ?? finiteNumber(driver.finding.evidence.target);
  if (value == null || target == null || value <= 0 || target <= 0) return [];
  const factor = target / value;
  const churn = finiteNumber(d.churn);
  const arpa = finiteNumber(d.arpaCents);
  const cac = finiteNumber(d.cacCents);
  const levers = {
    churnTo: churn == null ? null : round6(churn / factor),
    arpaCentsTo: arpa == null ? null : Math.round(arpa * factor),
    cacCentsTo: cac == null ? null : Math.round(cac / factor),
  };
  const parts = [
    levers.churnTo != null
      ? `monthly churn ${(churn! * 100).toFixed(1)}% → ${(levers.churnTo * 100).toFixed(1)}%`
      : null,
    levers.arpaCentsTo != null ? `ARPA $${(arpa! / 100).toFixed(2)} → $${(levers.arpaCentsTo / 100).toFixed(2)}` : null,
    levers.cacCentsTo != null ? `CAC $${(cac! / 100).toFixed(2)} → $${(levers.cacCentsTo / 100).toFixed(2)}` : null,
  ].filter((s): s is string => s !== null);
  return [
    plan({
      phase: 'optimize',
      type: 'funnel_recommendation',
      targetType: 'funnel',
      targetId: 'ltv_cac',
      params: {
        kpi: 'ltv_cac',
        value: round6(value),
        target,
        levers,
        recommendation:
          `LTV:CAC is ${value.toFixed(2)} against a target of ${target.toFixed(2)}.` +
          (parts.length
            ? ` Each of these alone reaches it: ${parts.join('; ')}.`
            : ' Reduce churn, raise ARPA or lower acquisition cost.'),
      },
      finding: driver.finding,
      detectionConfidence: driver.finding.confidence,
      expectedImpact: { kpi: 'ltv_cac', gap: round6(target - value) },
      executable: false,
    }),
  ];
}

export function planOptimize(input: OptimizeInput): ActionPlan[] {
  const plans = [
    ...planOnboardingNudges(input),
    ...planRetentionCampaigns({
      phase: 'optimize',
      findings: input.findings,
      kpis: input.kpis,
      atRiskUsers: input.targets.atRiskUsers ?? [],
      successPosteriors: input.successPosteriors,
    }),
    ...planUpgradeOffers(input),
    ...planFunnelRecommendation(input),
    ...planLtvCacRecommendation(input),
  ];
  return dedupeMessagesByUser(excludeUsers(plans, input.excludeUserIds));
}
