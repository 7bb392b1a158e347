// Suggestion feedback SQL against real PostgreSQL: the fine-bin aggregate equals the plain-JS computation
// over the same rows (edges 0, 0.05, 0.1, …, exactly 1.0 included), resolution after `now`, invalid
// confidences and the model-version scope are handled, and the full analysis matches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { querySuggestionBins, suggestionFeedback } from '../../db/queries/learning';
import { analyzeSuggestions, binSuggestions, type ResolvedSuggestion } from '../../engine/learning/suggestions';
import { createTestDb, type TestDb } from '../helpers/db';

const DAY = 86_400_000;
const N = Date.parse('2026-11-25T06:00:00.000Z');
const NOW = new Date(N);

type Row = {
  id: number;
  user_id: number;
  kind: string;
  confidence: number;
  status: string;
  shown_at: Date;
  resolved_at: Date | null;
  model_version: string;
};

// Deterministic LCG so the data set is the same on every run.
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const rows: Row[] = [];
const rnd = lcg(42);
for (let i = 1; i <= 1200; i++) {
  // Two decimals put many rows exactly on bin edges (0.05, 0.1, 0.3, 0.7, 1.0 …).
  const confidence = Math.round(rnd() * 100) / 100;
  const shown = N - Math.floor(rnd() * 60 * DAY);
  const u = rnd();
  const status = u < 0.1 ? 'shown' : rnd() < 0.1 + 0.8 * confidence ? 'applied' : 'dismissed';
  // Some resolutions fall after now: a recomputation at `now` must not see them.
  const resolvedAt =
    status === 'shown'
      ? null
      : rnd() < 0.03
        ? new Date(N + DAY)
        : rnd() < 0.02
          ? null
          : new Date(Math.min(shown + DAY, N - 1));
  rows.push({
    id: i,
    user_id: i % 97,
    kind: 'next_step',
    confidence,
    status,
    shown_at: new Date(shown),
    resolved_at: resolvedAt,
    model_version: i % 3 === 0 ? 'v2' : 'v1',
  });
}
// Invalid confidences are reported, never binned.
rows.push({
  id: 5001,
  user_id: 1,
  kind: 'x',
  confidence: 1.2,
  status: 'applied',
  shown_at: new Date(N - DAY),
  resolved_at: new Date(N - 1000),
  model_version: 'v1',
});
rows.push({
  id: 5002,
  user_id: 1,
  kind: 'x',
  confidence: -0.1,
  status: 'dismissed',
  shown_at: new Date(N - DAY),
  resolved_at: new Date(N - 1000),
  model_version: 'v1',
});
rows.push({
  id: 5003,
  user_id: 1,
  kind: 'x',
  confidence: NaN,
  status: 'dismissed',
  shown_at: new Date(N - DAY),
  resolved_at: new Date(N - 1000),
  model_version: 'v1',
});
// Shown after now: not part of this cycle's data.
rows.push({
  id: 5004,
  user_id: 1,
  kind: 'x',
  confidence: 0.5,
  status: 'applied',
  shown_at: new Date(N + 1000),
  resolved_at: new Date(N + 2000),
  model_version: 'v1',
});

/** The JS reference of the SQL filter (valid confidences only). */
function resolvedAtNow(filter: (r: Row) => boolean = () => true): ResolvedSuggestion[] {
  return rows
    .filter(
      (r) =>
        (r.status === 'applied' || r.status === 'dismissed') &&
        r.shown_at.getTime() < N &&
        (r.resolved_at == null || r.resolved_at.getTime() < N) &&
        filter(r),
    )
    .filter((r) => r.confidence >= 0 && r.confidence <= 1)
    .map((r) => ({ confidence: r.confidence, applied: r.status === 'applied' }));
}

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb('learning-suggestions');
  await t.db.batchInsert('app.suggestions', rows, 500);
});
afterAll(() => t?.drop());

describe('suggestion feedback SQL', () => {
  it('fine bins equal the JS computation over the same rows', async () => {
    const { bins, invalidConfidence } = await querySuggestionBins(t.db, NOW);
    const expected = binSuggestions(resolvedAtNow());
    expect(invalidConfidence).toBe(3);
    expect(bins.map((b) => [b.bin, b.n, b.applied])).toEqual(expected.map((b) => [b.bin, b.n, b.applied]));
    expect(bins).toHaveLength(20);
    for (const [i, b] of bins.entries()) {
      const e = expected[i]!;
      expect(b.sumConfidence).toBeCloseTo(e.sumConfidence, 9);
      expect(b.sumConfidenceApplied).toBeCloseTo(e.sumConfidenceApplied, 9);
      expect(b.sumSquaredError).toBeCloseTo(e.sumSquaredError, 9);
      expect(b.sumSquaredDeviationApplied).toBeCloseTo(e.sumSquaredDeviationApplied!, 9);
      expect(b.sumSquaredDeviationDismissed).toBeCloseTo(e.sumSquaredDeviationDismissed!, 9);
    }
    // Exactly 1.0 is in the last fine bin; 0.95 too.
    const ones = resolvedAtNow().filter((r) => r.confidence >= 0.95).length;
    expect(bins.find((b) => b.bin === 19)!.n).toBe(ones);
    expect(ones).toBeGreaterThan(0);
  });

  it('the analysis from SQL equals the analysis from JS', async () => {
    const opts = { minResolved: 100, dismissCost: 0.5, currentThreshold: 0.2 };
    const fromSql = await suggestionFeedback(t.db, NOW, opts);
    const fromJs = analyzeSuggestions(binSuggestions(resolvedAtNow()), opts);
    expect(fromSql.resolved).toBe(fromJs.resolved);
    expect(fromSql.resolved).toBeGreaterThan(900);
    expect(fromSql.applied).toBe(fromJs.applied);
    expect(fromSql.buckets.map((b) => [b.label, b.n, b.applied])).toEqual(
      fromJs.buckets.map((b) => [b.label, b.n, b.applied]),
    );
    expect(fromSql.calibration.ece!).toBeCloseTo(fromJs.calibration.ece!, 12);
    expect(fromSql.calibration.brier!).toBeCloseTo(fromJs.calibration.brier!, 12);
    expect(fromSql.quality.score!).toBeCloseTo(fromJs.quality.score!, 12);
    expect(fromSql.quality.interval![0]).toBeCloseTo(fromJs.quality.interval![0], 9);
    expect(fromSql.quality.interval![1]).toBeCloseTo(fromJs.quality.interval![1], 9);
    expect(fromSql.threshold.recommended).toBe(fromJs.threshold.recommended);
    expect(fromSql.threshold.candidates.map((c) => c.utility)).toEqual(
      fromJs.threshold.candidates.map((c) => c.utility),
    );
    expect(fromSql.threshold.recommended).not.toBeNull();
    expect(fromSql.invalidConfidence).toBe(3);
    expect(fromSql.scope).toEqual({ shownSince: null, modelVersion: null, until: NOW.toISOString() });

    // Independent brute force of ECE and Brier straight from the rows.
    const rs = resolvedAtNow();
    const brier = rs.reduce((s, r) => s + (r.confidence - (r.applied ? 1 : 0)) ** 2, 0) / rs.length;
    expect(fromSql.calibration.brier!).toBeCloseTo(brier, 12);
    let ece = 0;
    for (let k = 0; k < 10; k++) {
      const inB = rs.filter((r) => Math.min(Math.floor(r.confidence * 10), 9) === k);
      if (!inB.length) continue;
      const acc = inB.filter((r) => r.applied).length / inB.length;
      const conf = inB.reduce((s, r) => s + r.confidence, 0) / inB.length;
      ece += (inB.length / rs.length) * Math.abs(acc - conf);
    }
    expect(fromSql.calibration.ece!).toBeCloseTo(ece, 12);
    // Brute-force argmax of the utility over 0.05 … 0.95, ties to the higher threshold.
    let best = { t: 0, u: -Infinity };
    for (let k = 1; k <= 19; k++) {
      const shown = rs.filter((r) => Math.min(Math.floor(r.confidence * 20), 19) >= k);
      const u = shown.filter((r) => r.applied).length - 0.5 * shown.filter((r) => !r.applied).length;
      if (u >= best.u) best = { t: k / 20, u };
    }
    expect(fromSql.threshold.recommended).toBe(best.t);
    expect(fromSql.threshold.recommendedCandidate!.utility).toBe(best.u);
  });

  it('scopes by model version and rollout time', async () => {
    const since = new Date(N - 30 * DAY);
    const { bins } = await querySuggestionBins(t.db, NOW, { modelVersion: 'v2', shownSince: since });
    const expected = binSuggestions(
      resolvedAtNow((r) => r.model_version === 'v2' && r.shown_at.getTime() >= since.getTime()),
    );
    expect(bins.map((b) => [b.bin, b.n, b.applied])).toEqual(expected.map((b) => [b.bin, b.n, b.applied]));
    expect(bins.reduce((s, b) => s + b.n, 0)).toBeLessThan(resolvedAtNow().length / 2);
  });
});
