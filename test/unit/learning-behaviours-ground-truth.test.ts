// High-performer behaviours on generated cohorts with known ground truth: a planted behaviour with a
// known lift is found, ranked first and its lift interval covers the truth; on pure noise (no behaviour
// changes retention) the Benjamini–Hochberg correction keeps the rate of runs reporting any pattern at
// about its 5% level, where uncorrected 5% tests would report one in most runs.
import { describe, expect, it } from 'vitest';
import { analyzeBehaviours, type BehaviourCounts } from '../../engine/learning/behaviours';
import { mulberry32 } from '../helpers/random';

/** Users with independent behaviours; `planted` multiplies retention of those who did it by its lift. */
function cohort(
  seed: number,
  opts: { users: number; behaviours: number; base: number; planted?: { index: number; lift: number } },
): BehaviourCounts {
  const rnd = mulberry32(seed);
  const doRates = Array.from({ length: opts.behaviours }, () => 0.1 + 0.5 * rnd());
  const did = new Array<number>(opts.behaviours).fill(0);
  const didRetained = new Array<number>(opts.behaviours).fill(0);
  let retained = 0;
  for (let u = 0; u < opts.users; u++) {
    const acts = doRates.map((r) => rnd() < r);
    const pRetain = opts.planted && acts[opts.planted.index] ? opts.base * opts.planted.lift : opts.base;
    const isRetained = rnd() < pRetain;
    if (isRetained) retained++;
    acts.forEach((a, i) => {
      if (a) {
        did[i]!++;
        if (isRetained) didRetained[i]!++;
      }
    });
  }
  return {
    users: opts.users,
    retained,
    events: did.map((d, i) => ({ name: `event_${i}`, did: d, didRetained: didRetained[i]! })),
  };
}

describe('high-performer behaviours against ground truth', () => {
  it('ranks a planted behaviour (true lift 2) first, with an interval covering 2', () => {
    const a = analyzeBehaviours(
      cohort(7, { users: 4000, behaviours: 30, base: 0.15, planted: { index: 12, lift: 2 } }),
    );
    expect(a.patterns[0]?.name).toBe('event_12');
    expect(a.patterns[0]!.significant).toBe(true);
    const [lo, hi] = a.patterns[0]!.liftInterval!;
    expect(lo).toBeLessThan(2);
    expect(hi).toBeGreaterThan(2);
    expect(a.patterns.length).toBeLessThanOrEqual(5);
    expect(a.correction).toEqual({ method: 'benjamini-hochberg', fdr: 0.05, tested: 30 });
  });

  it("the planted behaviour's interval covers its true lift in most of many runs", () => {
    let covered = 0;
    const runs = 40;
    for (let seed = 100; seed < 100 + runs; seed++) {
      const a = analyzeBehaviours(
        cohort(seed, { users: 3000, behaviours: 10, base: 0.2, planted: { index: 3, lift: 1.5 } }),
      );
      const planted = a.ranked.find((l) => l.name === 'event_3')!;
      // The lift measured is vs. users who didn't do it, whose retention is exactly the base: truth 1.5.
      if (planted.liftInterval && planted.liftInterval[0] <= 1.5 && planted.liftInterval[1] >= 1.5) covered++;
    }
    // A 95% interval: 40 runs cover the truth ~38 times; fewer than 34 would be a broken interval (p < 0.01).
    expect(covered).toBeGreaterThanOrEqual(34);
  });

  it('reports no pattern on pure noise in all but about 5% of runs; uncorrected tests would not', () => {
    const runs = 60;
    let runsWithAPattern = 0;
    let runsWithAnUncorrectedHit = 0;
    for (let seed = 1000; seed < 1000 + runs; seed++) {
      const a = analyzeBehaviours(cohort(seed, { users: 2000, behaviours: 40, base: 0.25 }));
      if (a.patterns.length > 0) runsWithAPattern++;
      if (a.ranked.some((l) => (l.pValue ?? 1) < 0.05)) runsWithAnUncorrectedHit++;
    }
    // BH at 5% under the global null: P(any pattern) ≤ 5% (expected ~3 of 60; ≥ 9 has probability < 0.2%).
    expect(runsWithAPattern).toBeLessThanOrEqual(8);
    // Without the correction, 40 tests at 5% flag something in ~87% of runs.
    expect(runsWithAnUncorrectedHit).toBeGreaterThan(runs / 2);
  });
});
