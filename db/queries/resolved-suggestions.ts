// The rows of the retraining dataset: every suggestion resolved before `now`, with the same filter as the
// suggestion-feedback aggregate (db/queries/learning.ts), so the dataset is exactly the sample the recommended
// threshold was computed on. Ordered by resolution so the export's bytes do not depend on the plan.
import type { ResolvedSuggestionRow } from '../../activities/retraining/dataset';
import type { Queryable } from '../types';

export async function resolvedSuggestions(db: Queryable, now: Date): Promise<ResolvedSuggestionRow[]> {
  const { rows } = (await db.raw(
    `SELECT s.id, s.kind, s.confidence, s.status, s.model_version, s.shown_at, s.resolved_at
       FROM app.suggestions s
      WHERE s.status IN ('applied', 'dismissed')
        AND s.shown_at < ?::timestamptz
        AND (s.resolved_at IS NULL OR s.resolved_at < ?::timestamptz)
      ORDER BY coalesce(s.resolved_at, s.shown_at), s.id`,
    [now, now],
  )) as {
    rows: Array<{
      id: string | number;
      kind: string;
      confidence: number;
      status: 'applied' | 'dismissed';
      model_version: string | null;
      shown_at: Date;
      resolved_at: Date | null;
    }>;
  };
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    confidence: Number(r.confidence),
    status: r.status,
    modelVersion: r.model_version,
    shownAt: r.shown_at.toISOString(),
    resolvedAt: r.resolved_at ? r.resolved_at.toISOString() : null,
  }));
}
