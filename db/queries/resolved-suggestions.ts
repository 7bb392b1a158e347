// The rows of the retraining dataset: every suggestion resolved before `now`, with the same filter as the
// suggestion-feedback aggregate (db/queries/learning.ts), so the dataset is exactly the sample the recommended
// threshold was computed on. Read through a cursor in a read-only transaction, a batch at a time, so millions
// of rows never sit in memory; ordered by resolution, then id, so the export's bytes do not depend on the plan.
import type { Knex } from 'knex';
import type { ResolvedSuggestionRow } from '../../activities/retraining/dataset';

interface Row {
  id: string | number;
  kind: string;
  confidence: number;
  status: 'applied' | 'dismissed';
  model_version: string | null;
  shown_at: Date;
  resolved_at: Date | null;
}

const toRow = (r: Row): ResolvedSuggestionRow => ({
  id: Number(r.id),
  kind: r.kind,
  confidence: Number(r.confidence),
  status: r.status,
  modelVersion: r.model_version,
  shownAt: r.shown_at.toISOString(),
  resolvedAt: r.resolved_at ? r.resolved_at.toISOString() : null,
});

export async function* resolvedSuggestionBatches(
  db: Knex,
  now: Date,
  batchSize = 10_000,
): AsyncGenerator<ResolvedSuggestionRow[]> {
  const trx = await db.transaction({ readOnly: true });
  try {
    await trx.raw(
      `DECLARE resolved_suggestions NO SCROLL CURSOR FOR
       SELECT s.id, s.kind, s.confidence, s.status, s.model_version, s.shown_at, s.resolved_at
         FROM app.suggestions s
        WHERE s.status IN ('applied', 'dismissed')
          AND s.shown_at < ?::timestamptz
          AND (s.resolved_at IS NULL OR s.resolved_at < ?::timestamptz)
        ORDER BY coalesce(s.resolved_at, s.shown_at), s.id`,
      [now, now],
    );
    for (;;) {
      const { rows } = (await trx.raw(`FETCH ${Math.max(1, Math.floor(batchSize))} FROM resolved_suggestions`)) as {
        rows: Row[];
      };
      if (rows.length === 0) break;
      yield rows.map(toRow);
    }
  } finally {
    // Nothing was written: ending the transaction either way only closes the cursor.
    if (!trx.isCompleted()) await trx.rollback();
  }
}
