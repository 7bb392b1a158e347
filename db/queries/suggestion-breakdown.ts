// Suggestion feedback broken down by model version and by suggestion kind: one GROUPING SETS pass over
// the resolved suggestions (same scope rules as querySuggestionBins) into fine bins per group, then the
// same analysis per group as for all suggestions, so a version or kind that is miscalibrated, or whose
// confidence no longer separates good from bad suggestions, stands out.
import { wilsonInterval } from '../../engine/kpi/wilson';
import { analyzeSuggestions, FINE_BINS, type SuggestionBin } from '../../engine/learning/suggestions';
import type { Queryable } from '../types';

export interface SuggestionGroupSummary {
  /** The model version or kind; `(none)` for suggestions without a model version. */
  key: string;
  resolved: number;
  applied: number;
  adoptionRate: number | null;
  adoptionInterval: [number, number] | null;
  ece: number | null;
  brier: number | null;
  qualityScore: number | null;
  qualityInterval: [number, number] | null;
}

export interface SuggestionBreakdown {
  byModelVersion: SuggestionGroupSummary[];
  byKind: SuggestionGroupSummary[];
}

/** Largest groups first; at most `maxGroups` per dimension (the rest is rarely worth a row). */
export async function suggestionBreakdown(
  db: Queryable,
  now: Date,
  opts: { shownSince?: Date; maxGroups?: number } = {},
): Promise<SuggestionBreakdown> {
  const res = await db.raw(
    `WITH resolved AS (
       SELECT coalesce(s.model_version, '(none)') AS model_version, s.kind, s.confidence, (s.status = 'applied')::int AS y
         FROM app.suggestions s
        WHERE s.status IN ('applied', 'dismissed')
          AND s.shown_at < ?::timestamptz
          AND (s.resolved_at IS NULL OR s.resolved_at < ?::timestamptz)
          AND (?::timestamptz IS NULL OR s.shown_at >= ?::timestamptz)
          AND s.confidence >= 0 AND s.confidence <= 1
     )
     SELECT CASE WHEN grouping(model_version) = 0 THEN 'model_version' ELSE 'kind' END AS dim,
            coalesce(model_version, kind) AS key,
            least(floor(confidence * ${FINE_BINS}), ${FINE_BINS - 1})::int AS bin,
            count(*)::int AS n,
            sum(y)::int AS applied,
            sum(confidence)::float8 AS sum_conf,
            coalesce(sum(confidence) FILTER (WHERE y = 1), 0)::float8 AS sum_conf_applied,
            sum((confidence - y) ^ 2)::float8 AS sum_sq,
            -- centred sums of squares per group: var_samp is computed stably, unlike Σp² − n·mean²
            coalesce(var_samp(confidence) FILTER (WHERE y = 1) * (count(*) FILTER (WHERE y = 1) - 1), 0)::float8 AS ssd_applied,
            coalesce(var_samp(confidence) FILTER (WHERE y = 0) * (count(*) FILTER (WHERE y = 0) - 1), 0)::float8 AS ssd_dismissed
       FROM resolved
      GROUP BY GROUPING SETS ((model_version, 3), (kind, 3))`,
    [now, now, opts.shownSince ?? null, opts.shownSince ?? null],
  );
  const groups = new Map<string, SuggestionBin[]>();
  for (const r of res.rows as Array<Record<string, unknown>>) {
    const id = `${String(r.dim)}\u0000${String(r.key)}`;
    const bins = groups.get(id) ?? [];
    bins.push({
      bin: Number(r.bin),
      n: Number(r.n),
      applied: Number(r.applied),
      sumConfidence: Number(r.sum_conf),
      sumConfidenceApplied: Number(r.sum_conf_applied),
      sumSquaredError: Number(r.sum_sq),
      sumSquaredDeviationApplied: Number(r.ssd_applied),
      sumSquaredDeviationDismissed: Number(r.ssd_dismissed),
    });
    groups.set(id, bins);
  }
  const out: SuggestionBreakdown = { byModelVersion: [], byKind: [] };
  for (const [id, bins] of groups) {
    const [dim, key] = id.split('\u0000') as [string, string];
    const a = analyzeSuggestions(bins, { minResolved: Number.MAX_SAFE_INTEGER });
    const summary: SuggestionGroupSummary = {
      key,
      resolved: a.resolved,
      applied: a.applied,
      adoptionRate: a.adoptionRate,
      adoptionInterval: wilsonInterval(a.applied, a.resolved),
      ece: a.calibration.ece,
      brier: a.calibration.brier,
      qualityScore: a.quality.score,
      qualityInterval: a.quality.interval,
    };
    (dim === 'model_version' ? out.byModelVersion : out.byKind).push(summary);
  }
  const max = opts.maxGroups ?? 50;
  const order = (a: SuggestionGroupSummary, b: SuggestionGroupSummary) =>
    b.resolved - a.resolved || a.key.localeCompare(b.key);
  out.byModelVersion = out.byModelVersion.sort(order).slice(0, max);
  out.byKind = out.byKind.sort(order).slice(0, max);
  return out;
}
