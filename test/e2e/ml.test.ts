// /api/ml over a small, hand-computable set of suggestions: 100 shown at confidence 0.92 (80 applied)
// and 100 at 0.32 (20 applied), plus unresolved and out-of-range rows that must not count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../engine/kpi/wilson';
import { problemOf, setupE2E, type E2E } from './harness';

let e: E2E;
const SHOWN = new Date('2026-10-01T00:00:00.000Z');
const RESOLVED = new Date('2026-10-02T00:00:00.000Z');

beforeAll(async () => {
  e = await setupE2E('ml');
  const rows: Array<Record<string, unknown>> = [];
  let id = 0;
  const add = (confidence: number, status: string, n: number, model = 'm2') => {
    for (let i = 0; i < n; i++) {
      rows.push({
        id: ++id,
        user_id: id,
        kind: 'next_step',
        confidence,
        status,
        shown_at: SHOWN,
        resolved_at: status === 'shown' ? null : RESOLVED,
        model_version: model,
      });
    }
  };
  add(0.92, 'applied', 80);
  add(0.92, 'dismissed', 20);
  add(0.32, 'applied', 20);
  add(0.32, 'dismissed', 80);
  add(0.5, 'shown', 30); // unresolved: not feedback yet
  add(1.5, 'applied', 2); // malformed confidence: reported, not counted
  add(0.1, 'dismissed', 10, 'm1'); // another model version
  await e.t.db.batchInsert('app.suggestions', rows, 500);
  // No threshold in force: the recommendation compares against showing everything.
  await e.t.db('engine.thresholds').where({ name: 'ml.suggestion_threshold' }).del();
});
afterAll(async () => {
  await e?.close();
});

const get = async (url: string) => {
  const res = await e.app.inject({ method: 'GET', url, headers: e.as('viewer') });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

describe('GET /api/ml/feedback', () => {
  it('gives adoption per confidence decile for one model version', async () => {
    const f = await get('/api/ml/feedback?modelVersion=m2');
    expect(f).toMatchObject({ resolved: 200, applied: 100, dismissed: 100, adoptionRate: 0.5, invalidConfidence: 2 });
    expect(f.scope).toMatchObject({ modelVersion: 'm2', shownSince: null });
    expect(f.buckets).toHaveLength(10);
    expect(f.buckets[9]).toMatchObject({ label: '[0.9, 1.0]', n: 100, applied: 80, dismissed: 20, adoptionRate: 0.8 });
    expect(f.buckets[9].meanConfidence).toBeCloseTo(0.92, 12);
    expect(f.buckets[3]).toMatchObject({ label: '[0.3, 0.4)', n: 100, applied: 20, adoptionRate: 0.2 });
    expect(f.buckets[1]).toMatchObject({ n: 0, adoptionRate: null, adoptionInterval: null });
    // Intervals are objects { low, high } (OpenAPI tools reject tuples); 80 of 100 → Wilson's.
    const [low, high] = wilsonInterval(80, 100)!;
    expect(f.buckets[9].adoptionInterval).toEqual({ low, high });
    expect(f.byModelVersion.find((g: { key: string }) => g.key === 'm2').adoptionInterval).toEqual(
      (([l, h]) => ({ low: l, high: h }))(wilsonInterval(100, 200)!),
    );
  });

  it('includes every model version without a filter, and nothing shown before `since` is excluded wrongly', async () => {
    expect((await get('/api/ml/feedback')).resolved).toBe(210);
    expect((await get(`/api/ml/feedback?since=${encodeURIComponent('2026-10-01T00:00:00Z')}`)).resolved).toBe(210);
    expect((await get(`/api/ml/feedback?since=${encodeURIComponent('2026-10-01T00:00:01Z')}`)).resolved).toBe(0);
  });
});

describe('GET /api/ml/suggestion-quality', () => {
  it('computes quality score, ECE and Brier', async () => {
    const q = await get('/api/ml/suggestion-quality?modelVersion=m2');
    // Applied mean confidence (80·0.92 + 20·0.32)/100 = 0.80, dismissed (20·0.92 + 80·0.32)/100 = 0.44.
    expect(q.quality.meanConfidenceApplied).toBeCloseTo(0.8, 12);
    expect(q.quality.meanConfidenceDismissed).toBeCloseTo(0.44, 12);
    expect(q.quality.score).toBeCloseTo(0.36, 12);
    // Both deciles are 0.12 over-confident; Brier = (80·0.08² + 20·0.92² + 20·0.68² + 80·0.32²)/200 = 0.1744.
    expect(q.calibration.ece).toBeCloseTo(0.12, 12);
    expect(q.calibration.brier).toBeCloseTo(0.1744, 12);
    expect(q.calibration.brierReference).toBeCloseTo(0.25, 12);
    expect(q.reliability[9].calibrationGap).toBeCloseTo(-0.12, 12);
    expect(q.reliability[9].adoptionInterval).toEqual((([low, high]) => ({ low, high }))(wilsonInterval(80, 100)!));
    // Welch: the score's interval is an object around it.
    expect(q.quality.interval.low).toBeLessThan(0.36);
    expect(q.quality.interval.high).toBeGreaterThan(0.36);
  });
});

describe('GET /api/ml/optimize-thresholds', () => {
  it('recommends the utility-maximizing threshold and proposes it without applying it', async () => {
    const t = await get('/api/ml/optimize-thresholds?modelVersion=m2');
    // U(t ≤ 0.30) = 100 − 0.5·100 = 50; U(0.35 … 0.90) = 80 − 0.5·20 = 70; U(0.95) = 0; ties go up.
    expect(t).toMatchObject({ recommended: 0.9, dismissCost: 0.5, sampleSize: 200, currentThreshold: null });
    expect(t.recommendedCandidate).toMatchObject({
      threshold: 0.9,
      shown: 100,
      applied: 80,
      dismissed: 20,
      utility: 70,
    });
    expect(t.candidates.find((c: { threshold: number }) => c.threshold === 0.3)).toMatchObject({
      shown: 200,
      utility: 50,
    });
    expect(t.proposal).toMatchObject({
      kind: 'ml_threshold',
      payload: { applied: false, requiresApproval: true, proposedThreshold: 0.9 },
    });
    expect(await e.t.db('engine.thresholds').where({ name: 'ml.suggestion_threshold' })).toEqual([]);
  });

  it('takes the dismiss cost, minimum sample and current threshold from the query', async () => {
    const t = await get('/api/ml/optimize-thresholds?modelVersion=m2&dismissCost=0&currentThreshold=0.5');
    // Free dismissals: showing everything maximizes utility (ties go to the highest threshold that shows all).
    expect(t.recommended).toBe(0.3);
    expect(t.current).toMatchObject({ threshold: 0.5, shown: 100, applied: 80 });
    const few = await get('/api/ml/optimize-thresholds?modelVersion=m2&minResolved=1000');
    expect(few.recommended).toBeNull();
    expect(few.reason).toBe('only 200 resolved suggestions; at least 1000 are needed for a recommendation');
  });

  it('rejects bad parameters with 400 problems', async () => {
    for (const qs of [
      'dismissCost=-1',
      'dismissCost=abc',
      'currentThreshold=2',
      'minResolved=1.5',
      'since=yesterday',
      'bogus=1',
    ]) {
      const res = await e.app.inject({
        method: 'GET',
        url: `/api/ml/optimize-thresholds?${qs}`,
        headers: e.as('viewer'),
      });
      expect(res.statusCode, qs).toBe(400);
      expect(problemOf(res).detail, qs).toMatch(/^Invalid query string: /);
    }
  });
});
