// Shared pieces of the phase planners: finding lookup, the KPI finding that drives an action, success
// probabilities from the action types' posteriors, and the plan builder that fills in the gate class.
import { DETERMINISTIC_CONFIDENCE, kpiFingerprint } from '../detectors/catalog';
import { mean, type BetaPosterior } from '../stats/beta';
import type { ActionPlan, ActionType, DetectedFinding, KpiName, KpiResult, Phase } from '../types';
import { gateClassOf } from './gate-classes';

/** Success posteriors per action type (engine.action_stats alpha/beta); a missing type means no data yet. */
export type SuccessPosteriors = Partial<Record<ActionType, BetaPosterior>>;

/** The action_stats row default: nothing learned yet. */
export const UNINFORMED_POSTERIOR: BetaPosterior = { alpha: 1, beta: 1 };

/**
 * P(success) of one action of this type: the posterior mean (what the learn phase measured; 0.5 before
 * any outcome). Expected impacts are this probability times the effect the action has when it works.
 */
export function successProbability(type: ActionType, posteriors?: SuccessPosteriors): number {
  const p = posteriors?.[type];
  if (!p || !(p.alpha > 0) || !(p.beta > 0) || !Number.isFinite(p.alpha) || !Number.isFinite(p.beta))
    return mean(UNINFORMED_POSTERIOR);
  return mean(p);
}

/** A Finding read back from engine.findings may be resolved; a DetectedFinding is always current. */
function isOpen(f: DetectedFinding): boolean {
  return (f as { status?: string }).status !== 'resolved';
}

/** Open findings by fingerprint (the first one wins when a fingerprint is repeated). */
export function indexFindings(findings: readonly DetectedFinding[]): Map<string, DetectedFinding> {
  const byFingerprint = new Map<string, DetectedFinding>();
  for (const f of findings) if (isOpen(f) && !byFingerprint.has(f.fingerprint)) byFingerprint.set(f.fingerprint, f);
  return byFingerprint;
}

/** A KPI below its target, as the KPI detector reported it, with the KPI result when one was passed in. */
export interface KpiDriver {
  kpi: KpiName;
  finding: DetectedFinding;
  result: KpiResult | null;
  /** Cohort size of the KPI: turns "one more user" into a change of the rate. */
  sampleSize: number | null;
}

export function kpiDriver(
  findings: Map<string, DetectedFinding>,
  kpis: readonly KpiResult[] | undefined,
  kpi: KpiName,
): KpiDriver | null {
  const finding = findings.get(kpiFingerprint(kpi));
  if (!finding) return null;
  const result = kpis?.find((k) => k.name === kpi) ?? null;
  const fromEvidence = finding.evidence.sampleSize;
  const n = result?.sampleSize ?? (typeof fromEvidence === 'number' ? fromEvidence : null);
  return { kpi, finding, result, sampleSize: n != null && Number.isFinite(n) && n > 0 ? n : null };
}

/** The KPI's details: from the KPI result when given, else the copy the detector kept in its evidence. */
export function kpiDetails(driver: KpiDriver): Record<string, unknown> {
  if (driver.result) return driver.result.details;
  const d = driver.finding.evidence.details;
  return d != null && typeof d === 'object' ? (d as Record<string, unknown>) : {};
}

/** Detection confidence of a deterministic fix: the finding's when it was reported, else 1 (same rule as the detector). */
export function deterministicConfidence(finding: DetectedFinding | undefined): number {
  return finding?.confidence ?? DETERMINISTIC_CONFIDENCE;
}

/** Rounds to 6 decimals: stored plans stay readable and byte-stable across platforms. */
export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export function finiteNumber(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

export interface PlanSpec {
  phase: Phase;
  type: ActionType;
  targetType: ActionPlan['targetType'];
  targetId: string | number;
  params: Record<string, unknown>;
  finding: DetectedFinding | null | undefined;
  detectionConfidence: number;
  expectedImpact: Record<string, unknown>;
  executable?: boolean;
}

/** One ActionPlan; the gate class comes from the type (gate-classes.ts), never from the caller. */
export function plan(s: PlanSpec): ActionPlan {
  return {
    phase: s.phase,
    type: s.type,
    gateClass: gateClassOf(s.type),
    targetType: s.targetType,
    targetId: String(s.targetId),
    params: s.params,
    findingFingerprint: s.finding?.fingerprint ?? null,
    detectionConfidence: round6(Math.min(Math.max(s.detectionConfidence, 0), 1)),
    expectedImpact: s.expectedImpact,
    executable: s.executable ?? true,
  };
}

/** Keeps the first row per key: a record listed twice must not be acted on twice. */
export function uniqueBy<T>(rows: readonly T[], key: (row: T) => string | number): T[] {
  const seen = new Set<string | number>();
  return rows.filter((r) => {
    const k = key(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Sort comparator on several keys, each ascending (negate a number for descending). */
export function byKeys<T>(...keys: Array<(row: T) => number | string>): (a: T, b: T) => number {
  return (a, b) => {
    for (const k of keys) {
      const x = k(a);
      const y = k(b);
      if (x < y) return -1;
      if (x > y) return 1;
    }
    return 0;
  };
}
