// The verify phase's pure core (docs/architecture.md verify, docs/safety.md): did the cycle stay inside policy, where do the
// KPIs stand against their targets, and do measured outcomes match what the engine expected?
//
// Policy (per executed action: status executed or failed, i.e. an effect was attempted):
//   executed_in_dry_run (critical)  the cycle or the action is dry-run, yet it executed: the dry-run
//                                   promise is absolute, so the policy score drops to 0.
//   ungated_execution   (high)      no gate decision recorded for the action.
//   gate_failed         (high)      a gate did not pass. Excused only for an approvable gate (default:
//                                   'confidence', docs/safety.md "below the gate → needs approval") when an
//                                   operator approved the action.
//   missing_gate        (high)      a gate listed in requiredGates has no decision for the action.
//   policy score = compliant executed actions / executed actions (1 when nothing executed).
// KPIs: attainment of a measured KPI = min(1, value / target); score = mean attainment over measured
//   KPIs (insufficient data is skipped; no measured KPI → the component is left out).
// Effects: per action type with measured outcomes, observed = successes / n with its 95% Wilson
//   interval; in line when observed ≥ expected or expected ≤ the interval's upper bound, else
//   effect_below_expectation (medium) and partial credit observed / expected. Score = n-weighted mean.
// alignmentScore = weighted mean of the present components, weights policy 0.5, KPIs 0.3, effects 0.2
//   (renormalized over the components present), rounded to 4 decimals.
import { wilsonInterval } from '../kpi/wilson';
import { mean, type BetaPosterior } from '../stats/beta';
import type { GateOutcome, KpiName, KpiResult } from '../types';

export const ALIGNMENT_WEIGHTS = { policy: 0.5, kpis: 0.3, effects: 0.2 } as const;
export const DEFAULT_APPROVABLE_GATES: readonly string[] = ['confidence'];
const EXECUTED_STATUSES = new Set(['executed', 'failed']);
const APPROVED_STATUSES = new Set(['approved', 'executed', 'failed']);

export interface ExecutedActionCheck {
  id: string;
  type: string;
  status: string;
  /** The action row's own dry_run flag. */
  dryRun: boolean;
  /** The dry_run flag of the cycle the action belongs to. */
  cycleDryRun: boolean;
  gates: GateOutcome[];
  /** The approval of an action that needed one (engine.approvals), if any. */
  approval?: { status: string; decidedBy: string | null } | null;
}

export interface EffectObservation {
  actionType: string;
  /** What the engine expected (the type's posterior mean before these outcomes). */
  expectedSuccessRate: number;
  successes: number;
  failures: number;
}

export interface AlignmentInput {
  actions: readonly ExecutedActionCheck[];
  kpis: readonly KpiResult[];
  effects: readonly EffectObservation[];
  approvableGates?: readonly string[];
  /** Gates every executed action must have a decision for (optional). */
  requiredGates?: readonly string[];
}

export type ViolationKind =
  'executed_in_dry_run' | 'ungated_execution' | 'gate_failed' | 'missing_gate' | 'effect_below_expectation';

export interface Violation {
  kind: ViolationKind;
  severity: 'critical' | 'high' | 'medium';
  actionId?: string;
  actionType?: string;
  gate?: string;
  message: string;
}

export interface KpiSummary {
  measured: number;
  ok: number;
  belowTarget: number;
  insufficientData: number;
  /** Mean attainment over measured KPIs; null when none is measured. */
  attainment: number | null;
  items: Array<{
    name: KpiName;
    value: number | null;
    target: number;
    status: KpiResult['status'];
    attainment: number | null;
    sampleSize: number;
  }>;
}

export interface EffectSummary {
  actionType: string;
  n: number;
  observed: number;
  expected: number;
  interval: [number, number];
  inLine: boolean;
  score: number;
}

export interface AlignmentComponent {
  score: number;
  weight: number;
}

export interface AlignmentResult {
  alignmentScore: number;
  components: { policy: AlignmentComponent; kpis: AlignmentComponent | null; effects: AlignmentComponent | null };
  executed: number;
  compliant: number;
  violations: Violation[];
  kpiSummary: KpiSummary;
  effects: EffectSummary[];
  summary: string;
}

function checkAction(
  a: ExecutedActionCheck,
  approvable: ReadonlySet<string>,
  required: readonly string[],
): Violation[] {
  const out: Violation[] = [];
  const base = { actionId: a.id, actionType: a.type };
  if (a.cycleDryRun || a.dryRun) {
    out.push({
      kind: 'executed_in_dry_run',
      severity: 'critical',
      ...base,
      message: `action ${a.id} (${a.type}) executed although ${a.cycleDryRun ? 'its cycle is' : 'it is marked'} dry-run`,
    });
  }
  if (!a.gates.length) {
    out.push({
      kind: 'ungated_execution',
      severity: 'high',
      ...base,
      message: `action ${a.id} (${a.type}) executed without any recorded gate decision`,
    });
  }
  const approved = a.approval != null && APPROVED_STATUSES.has(a.approval.status) && a.approval.decidedBy != null;
  for (const g of a.gates) {
    if (g.passed) continue;
    if (approvable.has(g.gate) && approved) continue;
    out.push({
      kind: 'gate_failed',
      severity: 'high',
      ...base,
      gate: g.gate,
      message: `action ${a.id} (${a.type}) executed with gate '${g.gate}' failed: ${g.reason}`,
    });
  }
  const present = new Set(a.gates.map((g) => g.gate));
  for (const r of required) {
    if (!present.has(r))
      out.push({
        kind: 'missing_gate',
        severity: 'high',
        ...base,
        gate: r,
        message: `action ${a.id} (${a.type}) has no decision for required gate '${r}'`,
      });
  }
  return out;
}

export function summarizeKpis(kpis: readonly KpiResult[]): KpiSummary {
  const items = kpis.map((k) => {
    const measured = k.status !== 'insufficient_data' && k.value != null && Number.isFinite(k.value);
    const attainment = measured && k.target > 0 ? Math.min(1, Math.max(0, k.value! / k.target)) : measured ? 1 : null;
    return { name: k.name, value: k.value, target: k.target, status: k.status, attainment, sampleSize: k.sampleSize };
  });
  const measured = items.filter((i) => i.attainment != null);
  return {
    measured: measured.length,
    ok: items.filter((i) => i.status === 'ok').length,
    belowTarget: items.filter((i) => i.status === 'below_target').length,
    insufficientData: items.filter((i) => i.status === 'insufficient_data').length,
    attainment: measured.length ? measured.reduce((s, i) => s + i.attainment!, 0) / measured.length : null,
    items,
  };
}

/**
 * Effect observations from the learn phase's measured outcomes (measureOutcomes' byType): the expected
 * rate is the mean of the posterior the type had before these outcomes were added.
 */
export function effectsFromOutcomes(
  byType: Record<string, { success: number; failure: number; prior: BetaPosterior }>,
): EffectObservation[] {
  return Object.entries(byType)
    .map(([actionType, o]) => ({
      actionType,
      expectedSuccessRate: mean(o.prior),
      successes: o.success,
      failures: o.failure,
    }))
    .sort((a, b) => (a.actionType < b.actionType ? -1 : a.actionType > b.actionType ? 1 : 0));
}

export function compareEffects(effects: readonly EffectObservation[]): {
  summaries: EffectSummary[];
  violations: Violation[];
} {
  const summaries: EffectSummary[] = [];
  const violations: Violation[] = [];
  for (const e of effects) {
    const n = e.successes + e.failures;
    if (n <= 0) continue;
    if (!(e.expectedSuccessRate >= 0 && e.expectedSuccessRate <= 1))
      throw new RangeError(`expected success rate of ${e.actionType} must be in [0, 1], got ${e.expectedSuccessRate}`);
    const observed = e.successes / n;
    const interval = wilsonInterval(e.successes, n)!;
    const inLine = observed >= e.expectedSuccessRate || e.expectedSuccessRate <= interval[1];
    const score = inLine ? 1 : e.expectedSuccessRate > 0 ? observed / e.expectedSuccessRate : 1;
    summaries.push({ actionType: e.actionType, n, observed, expected: e.expectedSuccessRate, interval, inLine, score });
    if (!inLine) {
      violations.push({
        kind: 'effect_below_expectation',
        severity: 'medium',
        actionType: e.actionType,
        message:
          `${e.actionType}: ${e.successes} of ${n} succeeded (${(observed * 100).toFixed(1)}%, 95% interval up to ${(interval[1] * 100).toFixed(1)}%) ` +
          `against an expected ${(e.expectedSuccessRate * 100).toFixed(1)}%`,
      });
    }
  }
  return { summaries, violations };
}

export function verifyAlignment(input: AlignmentInput): AlignmentResult {
  const approvable = new Set(input.approvableGates ?? DEFAULT_APPROVABLE_GATES);
  const required = input.requiredGates ?? [];
  const executed = input.actions.filter((a) => EXECUTED_STATUSES.has(a.status));
  const violations: Violation[] = [];
  let compliant = 0;
  let dryRunBreach = false;
  for (const a of executed) {
    const v = checkAction(a, approvable, required);
    if (!v.length) compliant += 1;
    if (v.some((x) => x.kind === 'executed_in_dry_run')) dryRunBreach = true;
    violations.push(...v);
  }
  const policyScore = dryRunBreach ? 0 : executed.length ? compliant / executed.length : 1;

  const kpiSummary = summarizeKpis(input.kpis);
  const { summaries, violations: effectViolations } = compareEffects(input.effects);
  violations.push(...effectViolations);
  const effectN = summaries.reduce((s, e) => s + e.n, 0);
  const effectScore = effectN > 0 ? summaries.reduce((s, e) => s + e.n * e.score, 0) / effectN : null;

  const components: AlignmentResult['components'] = {
    policy: { score: policyScore, weight: ALIGNMENT_WEIGHTS.policy },
    kpis: kpiSummary.attainment == null ? null : { score: kpiSummary.attainment, weight: ALIGNMENT_WEIGHTS.kpis },
    effects: effectScore == null ? null : { score: effectScore, weight: ALIGNMENT_WEIGHTS.effects },
  };
  const present = [components.policy, components.kpis, components.effects].filter(
    (c): c is AlignmentComponent => c != null,
  );
  const totalWeight = present.reduce((s, c) => s + c.weight, 0);
  const alignmentScore =
    Math.round((present.reduce((s, c) => s + c.weight * c.score, 0) / totalWeight) * 10_000) / 10_000;

  const policyText = executed.length
    ? `${executed.length} executed action${executed.length === 1 ? '' : 's'}, ${compliant} within policy`
    : 'no action executed';
  const kpiText = kpiSummary.measured
    ? `${kpiSummary.ok} of ${kpiSummary.measured} measured KPIs at target (attainment ${(kpiSummary.attainment! * 100).toFixed(0)}%)` +
      (kpiSummary.insufficientData ? `, ${kpiSummary.insufficientData} with insufficient data` : '')
    : 'no KPI measured';
  const effectText = summaries.length
    ? `outcomes of ${summaries.length} action type${summaries.length === 1 ? '' : 's'}: ${summaries.filter((s) => s.inLine).length} in line with expectations`
    : 'no outcomes measured';
  const critical = violations.filter((v) => v.severity === 'critical').length;
  const summary =
    `Alignment ${alignmentScore.toFixed(2)}: ${policyText}; ${kpiText}; ${effectText}. ` +
    `${violations.length} violation${violations.length === 1 ? '' : 's'}${critical ? ` (${critical} critical)` : ''}.`;

  return {
    alignmentScore,
    components,
    executed: executed.length,
    compliant,
    violations,
    kpiSummary,
    effects: summaries,
    summary,
  };
}
