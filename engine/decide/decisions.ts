// The decide phase's pure core: every decision of one cycle from what analyze, the planners and learn
// produced. The activity loads the inputs, calls this and saves the result (db/repos/learning.ts).
import type { SuggestionAnalysis } from '../learning/suggestions';
import type { KpiName, KpiResult } from '../types';
import { decideFeaturePrioritization, type PlannedActionSummary } from './feature-prioritization';
import { decideMlThreshold } from './ml-threshold';
import { decidePricing } from './pricing';
import { decideResourceAllocation } from './resource-allocation';
import type { Decision } from './types';

export interface DecideInput {
  kpis: readonly KpiResult[];
  plannedActions: readonly PlannedActionSummary[];
  /** Posterior mean success rate per action type (engine.action_stats). */
  successRates?: Record<string, number>;
  /** The learn phase's suggestion analysis; no ML threshold decision without it. */
  suggestions?: SuggestionAnalysis | null;
  impact?: Partial<Record<KpiName, number>>;
}

export function makeDecisions(input: DecideInput): Decision[] {
  const decisions: Decision[] = [
    decideResourceAllocation(input.kpis, { impact: input.impact }),
    decideFeaturePrioritization(input.plannedActions, {
      kpis: input.kpis,
      successRates: input.successRates,
      impact: input.impact,
    }),
    decidePricing(input.kpis.find((k) => k.name === 'ltv_cac')),
  ];
  if (input.suggestions) decisions.push(decideMlThreshold(input.suggestions));
  return decisions;
}
