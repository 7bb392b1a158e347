// Data-quality drift between cycles (prevent phase): a data-quality problem that grew since the previous
// cycle is reported before it becomes large. Pure: two maps fingerprint → count in, findings out.
//
// A count drifts when it rose by at least `minIncrease` records and by more than `minRelativeIncrease`
// of the previous count (a problem absent last cycle, previous 0, always counts as relative growth).
// Severity: medium when the count appeared or at least doubled, else low. Deterministic, confidence 1.
// Fingerprint "drift:<source fingerprint>", so the same source drifting in two cycles is one finding.
import { DETERMINISTIC_CONFIDENCE } from '../detectors/catalog';
import type { DetectedFinding, Severity } from '../types';
import { round6 } from './common';

export const DRIFT_KIND = 'data_quality_drift';

export interface DriftOptions {
  /** Smallest absolute increase that counts; default 1. */
  minIncrease?: number;
  /** The increase must exceed this share of the previous count; default 0.1 (10%). */
  minRelativeIncrease?: number;
}

export const DEFAULT_DRIFT_OPTIONS: Required<DriftOptions> = { minIncrease: 1, minRelativeIncrease: 0.1 };

/** fingerprint → evidence.count of this cycle's data-quality findings: the input of dataQualityDrift. */
export function dataQualityCounts(findings: readonly DetectedFinding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of findings)
    if (f.detector === 'data_quality' && Number.isFinite(f.evidence.count)) counts[f.fingerprint] = f.evidence.count;
  return counts;
}

function label(fingerprint: string): string {
  const kind = fingerprint.slice(fingerprint.indexOf(':') + 1);
  return kind.replace(/_/g, ' ');
}

/**
 * Drift findings of `current` against `previous` (null = no previous cycle to compare with: no drift).
 * A fingerprint missing from `previous` had a count of 0 (detectors only report problems with count > 0).
 */
export function dataQualityDrift(
  current: Readonly<Record<string, number>>,
  previous: Readonly<Record<string, number>> | null,
  opts: DriftOptions = {},
): DetectedFinding[] {
  if (previous == null) return [];
  const { minIncrease, minRelativeIncrease } = { ...DEFAULT_DRIFT_OPTIONS, ...opts };
  const out: DetectedFinding[] = [];
  for (const fingerprint of Object.keys(current).sort()) {
    const now = current[fingerprint] ?? 0;
    const before = previous[fingerprint] ?? 0;
    if (!Number.isFinite(now) || !Number.isFinite(before)) continue;
    const increase = now - before;
    const relativeIncrease = before > 0 ? increase / before : null;
    if (increase < minIncrease || (relativeIncrease != null && !(relativeIncrease > minRelativeIncrease))) continue;
    const severity: Severity = relativeIncrease == null || relativeIncrease >= 1 ? 'medium' : 'low';
    const growth = relativeIncrease == null ? 'new' : `+${(relativeIncrease * 100).toFixed(0)}%`;
    out.push({
      fingerprint: `drift:${fingerprint}`,
      detector: 'drift',
      kind: DRIFT_KIND,
      category: 'issue',
      severity,
      confidence: DETERMINISTIC_CONFIDENCE,
      title: `${label(fingerprint)}: ${before} → ${now} (${growth}) since the previous cycle`,
      evidence: {
        count: increase,
        sampleIds: [],
        source: fingerprint,
        previous: before,
        current: now,
        increase,
        relativeIncrease: relativeIncrease == null ? null : round6(relativeIncrease),
      },
    });
  }
  return out;
}
