// Retention campaigns: one message to each at-risk user while D7 retention is below target. Shared by the
// heal phase (the lead's heal playbook) and the optimize phase (docs/architecture.md), so a cycle running either
// subset acts on the KPI; when both run, the later phase excludes users the earlier one planned for.
import type { ActionPlan, DetectedFinding, KpiResult, Phase } from '../types';
import {
  byKeys,
  indexFindings,
  kpiDriver,
  plan,
  round6,
  successProbability,
  uniqueBy,
  type SuccessPosteriors,
} from './common';
import { MESSAGE_TEMPLATES } from './messages';
import type { AtRiskUserTarget } from './targets';

export interface RetentionCampaignInput {
  phase: Phase;
  findings: readonly DetectedFinding[];
  kpis?: readonly KpiResult[];
  atRiskUsers: readonly AtRiskUserTarget[];
  successPosteriors?: SuccessPosteriors;
}

/** Most to lose first (the query's order): bigger previous activity, then user id. */
const order = byKeys<AtRiskUserTarget>(
  (r) => -r.previousEvents,
  (r) => r.userId,
);

/**
 * Nothing unless kpi_below_target:d7_retention is reported: without a measured gap a campaign has no
 * detection confidence and would only spend the users' contact budget. Detection confidence = that
 * finding's, P(D7 retention < target). Expected impact: P(success) more retained users, i.e. a D7
 * retention change of P(success) / cohort size.
 */
export function planRetentionCampaigns(input: RetentionCampaignInput): ActionPlan[] {
  const driver = kpiDriver(indexFindings(input.findings), input.kpis, 'd7_retention');
  if (!driver) return [];
  const p = successProbability('retention_campaign', input.successPosteriors);
  const rows = uniqueBy([...input.atRiskUsers].sort(order), (r) => r.userId);
  return rows.map((r) =>
    plan({
      phase: input.phase,
      type: 'retention_campaign',
      targetType: 'user',
      targetId: r.userId,
      params: {
        userId: r.userId,
        template: MESSAGE_TEMPLATES.retention_campaign,
        signal: r.signal,
        recentEvents: r.recentEvents,
        previousEvents: r.previousEvents,
        lastSeenAt: r.lastSeenAt,
        kpi: 'd7_retention',
      },
      finding: driver.finding,
      detectionConfidence: driver.finding.confidence,
      expectedImpact: {
        kpi: 'd7_retention',
        deltaUsers: round6(p),
        ...(driver.sampleSize ? { delta: round6(p / driver.sampleSize) } : {}),
        successProbability: round6(p),
      },
    }),
  );
}
