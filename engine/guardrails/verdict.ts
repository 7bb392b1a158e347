// Guardrail verdicts (docs/safety.md#guardrails): per (type, metric) the mSPRT of treated against holdout
// (engine/stats/msprt.ts, always valid under the look every cycle takes), read as
//   breach          always-valid p < alpha AND the treated rate is higher (worse) than the holdout's;
//                   major when the metric is severe, or the interval's lower bound of the harm exceeds
//                   the metric's margin; minor otherwise
//   ok              enough data, no credible harm, and the interval rules out harm above the margin
//   inconclusive    everything else (too few actions, no events yet, harm above the margin not ruled out):
//                   shown, never acted on
// and per type the action it calls for: a major breach cancels the type's running campaigns and demotes it
// on the autonomy ladder; a minor one pauses them.
import { msprt } from '../stats/msprt';
import type { DetectedFinding } from '../types';
import type { GuardrailMetric } from './metrics';
import type { GuardrailPolicy } from './policy';

export type GuardrailVerdict = 'ok' | 'inconclusive' | 'breach_minor' | 'breach_major';
export type GuardrailAction = 'pause' | 'cancel_and_demote';

/** What one arm (treated or holdout) of a type shows for one metric, over actions whose window closed. */
export interface GuardrailArm {
  /** Actions measured. */
  actions: number;
  /** Distinct users among them. */
  users: number;
  /** Actions with at least one event in their window: the numerator of the rate. */
  affected: number;
  /** Events in all windows (one user's cancellation of two subscriptions is two). */
  events: number;
}

export interface GuardrailResult {
  type: string;
  metric: GuardrailMetric;
  severity: 'minor' | 'major';
  margin: number;
  treated: GuardrailArm & { rate: number | null };
  holdout: GuardrailArm & { rate: number | null };
  /** rate_treated − rate_holdout (positive = worse among the treated); null without both arms. */
  difference: number | null;
  /** Always-valid p-value (the running minimum over every look). */
  pValue: number;
  /** Always-valid (1 − alpha) interval for the difference at this look; null when inconclusive. */
  interval: [number, number] | null;
  alpha: number;
  verdict: GuardrailVerdict;
  reason: string;
}

const pct = (x: number) => `${(Math.round(x * 10000) / 100).toFixed(2)}%`;
const pFmt = (p: number) => (p >= 0.001 ? p.toFixed(3) : p.toExponential(2));

/** Where a type's guardrail stream stands: what the stored results of its metrics say. */
export interface StoredStream {
  metric: string;
  pValue: number;
  definitionVersion: number;
  since: string | null;
}

/**
 * The stream a type's look continues: the stored one at the type's current definition version (its start and
 * each metric's p-value), or — after the definition changed (a new message, a new experiment) — a fresh one
 * from `now`, with nothing carried over. A type never looked at starts with its whole history.
 */
export function guardrailStream(
  stored: readonly StoredStream[],
  definitionVersion: number,
  now: Date,
): { since: string | null; previous: Map<string, number> } {
  const current = stored.filter((s) => s.definitionVersion === definitionVersion);
  if (current.length) return { since: current[0]!.since, previous: new Map(current.map((s) => [s.metric, s.pValue])) };
  return { since: stored.length ? now.toISOString() : null, previous: new Map() };
}

/** One (type, metric)'s verdict at this look; `previousPValue` is the stored always-valid p of earlier looks. */
export function guardrailVerdict(
  type: string,
  metric: GuardrailMetric,
  treated: GuardrailArm,
  holdout: GuardrailArm,
  policy: GuardrailPolicy,
  previousPValue: number | null = null,
): GuardrailResult {
  const { severity, margin } = policy.metrics[metric];
  const test = msprt(
    { n: treated.actions, events: treated.affected },
    { n: holdout.actions, events: holdout.affected },
    { alpha: policy.alpha, tau: policy.tau, minPerArm: policy.minPerArm },
    previousPValue,
  );
  const rates = (r: number | null) => (r == null ? 'n/a' : pct(r));
  const observed = `treated ${rates(test.treated.rate)} of ${treated.actions} vs holdout ${rates(test.holdout.rate)} of ${holdout.actions}`;
  const iv = test.interval;
  const stats = `always-valid p = ${pFmt(test.pValue)}${iv ? `, interval [${pct(iv[0])}, ${pct(iv[1])}]` : ''}`;
  const worse = test.difference != null && test.difference > 0;
  let verdict: GuardrailVerdict;
  let why: string;
  if (test.status === 'significant' && worse) {
    const beyondMargin = iv != null && iv[0] > margin;
    verdict = severity === 'major' || beyondMargin ? 'breach_major' : 'breach_minor';
    why =
      severity === 'major'
        ? `credible harm on a severe metric`
        : beyondMargin
          ? `credible harm above the ${pct(margin)} margin`
          : `credible harm within the ${pct(margin)} margin`;
  } else if (test.status === 'inconclusive') {
    verdict = 'inconclusive';
    why =
      treated.actions < policy.minPerArm || holdout.actions < policy.minPerArm
        ? `fewer than ${policy.minPerArm} measured actions in an arm`
        : 'no events to compare yet';
  } else if (test.status === 'significant' || (iv != null && iv[1] <= margin)) {
    verdict = 'ok';
    why = test.status === 'significant' ? 'credibly better than the holdout' : `harm above ${pct(margin)} ruled out`;
  } else {
    verdict = 'inconclusive';
    why = `no credible harm, but harm above the ${pct(margin)} margin is not ruled out yet`;
  }
  return {
    type,
    metric,
    severity,
    margin,
    treated: { ...treated, rate: test.treated.rate },
    holdout: { ...holdout, rate: test.holdout.rate },
    difference: test.difference,
    pValue: test.pValue,
    interval: iv,
    alpha: policy.alpha,
    verdict,
    reason: `${metric}: ${why} (${observed}; ${stats})`,
  };
}

/** The action a type's results call for: any major breach cancels and demotes, any minor one pauses; else null. */
export function guardrailActionOf(
  results: readonly GuardrailResult[],
): { action: GuardrailAction; reason: string } | null {
  const major = results.filter((r) => r.verdict === 'breach_major');
  if (major.length) return { action: 'cancel_and_demote', reason: major.map((r) => r.reason).join('; ') };
  const minor = results.filter((r) => r.verdict === 'breach_minor');
  if (minor.length) return { action: 'pause', reason: minor.map((r) => r.reason).join('; ') };
  return null;
}

/** The ladder's `guardrailBreach` for a type: its major breaches in one line, or null. */
export function ladderBreachOf(results: readonly GuardrailResult[]): string | null {
  const a = guardrailActionOf(results);
  return a?.action === 'cancel_and_demote' ? `guardrail breached: ${a.reason}` : null;
}

/** One finding per breached (type, metric): detector 'guardrail', fingerprint guardrail:<type>:<metric>. */
export function guardrailFindings(results: readonly GuardrailResult[]): DetectedFinding[] {
  return results
    .filter((r) => r.verdict === 'breach_major' || r.verdict === 'breach_minor')
    .map((r) => ({
      fingerprint: `guardrail:${r.type}:${r.metric}`,
      detector: 'guardrail' as const,
      kind: r.verdict,
      category: 'issue' as const,
      severity: r.verdict === 'breach_major' ? ('high' as const) : ('medium' as const),
      confidence: Math.round((1 - r.pValue) * 1e6) / 1e6,
      title:
        `Guardrail ${r.metric} of ${r.type} breached (${r.verdict === 'breach_major' ? 'major: campaigns cancelled, type demoted' : 'minor: campaigns paused'}): ` +
        `treated ${pct(r.treated.rate ?? 0)} vs holdout ${pct(r.holdout.rate ?? 0)}`,
      evidence: {
        count: r.treated.affected,
        sampleIds: [],
        actionType: r.type,
        metric: r.metric,
        verdict: r.verdict,
        treated: r.treated,
        holdout: r.holdout,
        difference: r.difference,
        pValue: r.pValue,
        interval: r.interval,
        alpha: r.alpha,
        severity: r.severity,
        margin: r.margin,
      },
    }));
}
