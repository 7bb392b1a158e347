// Suggestion feedback against planted ground truth, through the real SQL on PostgreSQL: model v1 is
// calibrated (P(applied | p) = p), v2 over-confident (P(applied | p) = p²). The analysis recovers each
// reliability curve within tolerance, v1's ECE ≈ 0 and v2's ≈ the true 1/6, v1's quality score interval
// covers the true 1/3, and the utility-maximizing threshold sits at the calibrated break-even c/(g+c).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suggestionFeedback } from '../../db/queries/learning';
import { suggestionBreakdown } from '../../db/queries/suggestion-breakdown';
import { createTestDb, type TestDb } from '../helpers/db';
import { mulberry32 } from '../helpers/random';

const NOW = new Date('2026-11-20T00:00:00Z');
const PER_VERSION = 20_000;
let t: TestDb;

beforeAll(async () => {
  t = await createTestDb('learning-ground-truth');
  const rnd = mulberry32(42);
  const rows: Array<Record<string, unknown>> = [];
  let id = 1;
  for (const [version, truth] of [
    ['v1', (p: number) => p],
    ['v2', (p: number) => p * p],
  ] as const) {
    for (let i = 0; i < PER_VERSION; i++) {
      const p = rnd();
      rows.push({
        id: id++,
        user_id: 1 + (i % 500),
        kind: i % 2 ? 'template' : 'integration',
        confidence: p,
        status: rnd() < truth(p) ? 'applied' : 'dismissed',
        shown_at: new Date(NOW.getTime() - 86_400_000),
        resolved_at: new Date(NOW.getTime() - 3_600_000),
        model_version: version,
      });
    }
  }
  for (let i = 0; i < rows.length; i += 5000) await t.db('app.suggestions').insert(rows.slice(i, i + 5000));
}, 120_000);
afterAll(async () => {
  await t?.drop();
});

describe('suggestion feedback recovers planted calibration', () => {
  it('v1 (calibrated): adoption per decile ≈ its mean confidence, ECE ≈ 0, quality interval covers 1/3', async () => {
    const a = await suggestionFeedback(t.db, NOW, { modelVersion: 'v1' });
    expect(a.resolved).toBe(PER_VERSION);
    for (const b of a.buckets) {
      // True adoption of a decile = its mean p; 2,000 per decile → sd ≈ 0.011.
      expect(Math.abs(b.adoptionRate! - b.meanConfidence!)).toBeLessThan(0.04);
      expect(b.adoptionInterval![0]).toBeLessThanOrEqual(b.adoptionRate!);
    }
    expect(a.calibration.ece!).toBeLessThan(0.02);
    // Brier of a calibrated p ~ U(0,1): E[p(1−p)] = 1/6.
    expect(a.calibration.brier!).toBeCloseTo(1 / 6, 2);
    const [lo, hi] = a.quality.interval!;
    expect(lo).toBeLessThan(1 / 3);
    expect(hi).toBeGreaterThan(1 / 3);
    expect(hi - lo).toBeLessThan(0.03);
  });

  it('v2 (over-confident): ECE ≈ E|p − p²| = 1/6, reliability below the diagonal', async () => {
    const a = await suggestionFeedback(t.db, NOW, { modelVersion: 'v2' });
    expect(a.calibration.ece!).toBeGreaterThan(1 / 6 - 0.02);
    expect(a.calibration.ece!).toBeLessThan(1 / 6 + 0.02);
    for (const b of a.buckets.slice(1, 9)) expect(b.calibrationGap!).toBeLessThan(0);
  });

  it('the threshold that maximizes utility is the calibrated break-even c / (g + c), with precision and coverage', async () => {
    // g = 1, c = 0.5 → show when p > 1/3: the optimum on the 0.05 grid is 0.30 or 0.35.
    const a = await suggestionFeedback(t.db, NOW, {
      modelVersion: 'v1',
      appliedGain: 1,
      dismissCost: 0.5,
      currentThreshold: 0.7,
    });
    expect(a.threshold.breakEvenConfidence).toBeCloseTo(1 / 3, 12);
    expect([0.3, 0.35]).toContain(a.threshold.recommended);
    const rec = a.threshold.recommendedCandidate!;
    const cur = a.threshold.current!;
    expect(rec.coverage!).toBeGreaterThan(cur.coverage!);
    expect(rec.precision!).toBeLessThan(cur.precision!);
    expect(a.threshold.expectedChange).toEqual({
      utility: rec.utility - cur.utility,
      precision: rec.precision! - cur.precision!,
      coverage: rec.coverage! - cur.coverage!,
      shown: rec.shown - cur.shown,
    });
    expect(a.threshold.expectedChange!.utility).toBeGreaterThan(0);
    // A dearer dismissal moves the break-even, and the optimum, up: c = 3 → p > 0.75.
    const strict = await suggestionFeedback(t.db, NOW, { modelVersion: 'v1', appliedGain: 1, dismissCost: 3 });
    expect([0.7, 0.75, 0.8]).toContain(strict.threshold.recommended);
  });

  it('breaks the figures down by model version and kind', async () => {
    const b = await suggestionBreakdown(t.db, NOW);
    expect(b.byModelVersion.map((g) => g.key).sort()).toEqual(['v1', 'v2']);
    const v1 = b.byModelVersion.find((g) => g.key === 'v1')!;
    const v2 = b.byModelVersion.find((g) => g.key === 'v2')!;
    expect(v1.resolved).toBe(PER_VERSION);
    expect(v1.ece!).toBeLessThan(0.02);
    expect(v2.ece!).toBeGreaterThan(0.14);
    expect(v1.adoptionRate!).toBeCloseTo(0.5, 1);
    expect(v2.adoptionRate!).toBeCloseTo(1 / 3, 1);
    expect(b.byKind.map((g) => [g.key, g.resolved]).sort()).toEqual([
      ['integration', PER_VERSION],
      ['template', PER_VERSION],
    ]);
  });
});
