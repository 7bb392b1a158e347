// Health score 0–100 from the open findings: 100 − Σ severity weights, floored at 0.
// Weights: critical 25, high 10, medium 4, low 1, info 0. So one critical finding costs as much as
// 2.5 high ones, four criticals (or ten highs) mean "unhealthy" (0). Every open finding counts, issues
// and opportunities alike: a KPI under target is ill health too. Resolved findings do not count.
import type { Severity } from './types';

export const SEVERITY_WEIGHTS: Readonly<Record<Severity, number>> = {
  critical: 25,
  high: 10,
  medium: 4,
  low: 1,
  info: 0,
};

export interface HealthInput {
  severity: Severity;
  /** Absent means open (a freshly detected finding). */
  status?: 'open' | 'resolved';
}

export interface HealthBreakdown {
  score: number;
  penalty: number;
  bySeverity: Record<Severity, number>;
}

export function healthBreakdown(findings: readonly HealthInput[]): HealthBreakdown {
  const bySeverity: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  let penalty = 0;
  for (const f of findings) {
    if (f.status === 'resolved') continue;
    bySeverity[f.severity] += 1;
    penalty += SEVERITY_WEIGHTS[f.severity];
  }
  return { score: Math.max(0, 100 - penalty), penalty, bySeverity };
}

export function healthScore(findings: readonly HealthInput[]): number {
  return healthBreakdown(findings).score;
}
