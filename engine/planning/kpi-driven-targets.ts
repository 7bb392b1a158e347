// Which KPI-driven target lists a cycle's planners will use: retention campaigns need D7 retention below
// target, onboarding nudges activation or the funnel, upgrade offers LTV:CAC (the drivers the planners check,
// engine/planning/common.ts kpiDriver). A list no planner will read is not queried: the upgrade candidates
// alone aggregate two weeks of events (3 s at a million users).
import type { DetectedFinding, KpiResult } from '../types';
import { indexFindings, kpiDriver } from './common';

export interface KpiDrivenTargets {
  atRiskUsers: boolean;
  recentSignups: boolean;
  upgradeCandidates: boolean;
}

export function kpiDrivenTargets(
  findings: readonly DetectedFinding[],
  kpis: readonly KpiResult[] | undefined,
): KpiDrivenTargets {
  const index = indexFindings(findings);
  const driven = (kpi: Parameters<typeof kpiDriver>[2]) => kpiDriver(index, kpis, kpi) !== null;
  return {
    atRiskUsers: driven('d7_retention'),
    recentSignups: driven('activation_rate') || driven('signup_to_activation'),
    upgradeCandidates: driven('ltv_cac'),
  };
}
