// The mSPRT for two proportions: always valid under repeated looks (a seeded simulation of 20 looks under no
// effect rejects at most alpha of the time, equal and unequal arms), a planted large effect is detected, the
// p-value never rises across looks, the interval covers the truth, and the edge cases are inconclusive, not NaN.
import { describe, expect, it } from 'vitest';
import { msprt, type ArmCounts } from '../../engine/stats/msprt';
import { mulberry32 } from '../helpers/random';

const OPTS = { alpha: 0.05, tau: 0.05, minPerArm: 100 };

/** Share of `runs` seeded experiments rejected at any of `looks` looks (per look, mT treated and mH held out arrive). */
function everRejected(pT: number, pH: number, mT: number, mH: number, runs: number, looks = 20, opts = OPTS) {
  let rejected = 0;
  for (let seed = 1; seed <= runs; seed++) {
    const rnd = mulberry32(seed);
    const t: ArmCounts = { n: 0, events: 0 };
    const h: ArmCounts = { n: 0, events: 0 };
    let p: number | null = null;
    for (let look = 0; look < looks; look++) {
      for (let i = 0; i < mT; i++) {
        t.n++;
        if (rnd() < pT) t.events++;
      }
      for (let i = 0; i < mH; i++) {
        h.n++;
        if (rnd() < pH) h.events++;
      }
      const r = msprt({ ...t }, { ...h }, opts, p);
      expect(r.pValue).toBeLessThanOrEqual(p ?? 1);
      p = r.pValue;
      if (r.status === 'significant') {
        rejected++;
        break;
      }
    }
  }
  return rejected / runs;
}

describe('mSPRT, always valid under repeated looks', () => {
  it('under no effect, 20 looks reject in at most alpha of 2000 runs (equal arms, 5% base rate)', () => {
    expect(everRejected(0.05, 0.05, 100, 100, 2000)).toBeLessThanOrEqual(OPTS.alpha);
  });

  it('under no effect with a 10% holdout and a rare event (2%), still at most alpha', () => {
    expect(everRejected(0.02, 0.02, 450, 50, 2000)).toBeLessThanOrEqual(OPTS.alpha);
  });

  it('at the policy alpha (0.01) too', () => {
    const opts = { ...OPTS, alpha: 0.01 };
    expect(everRejected(0.1, 0.1, 180, 20, 2000, 20, opts)).toBeLessThanOrEqual(opts.alpha);
  });

  it('a fixed-sample z-test read at every look would not be: the guard the mSPRT is for', () => {
    // The same data, read with |z| > 1.96 at each look, rejects well above 5%.
    let rejected = 0;
    for (let seed = 1; seed <= 1000; seed++) {
      const rnd = mulberry32(seed);
      let nt = 0,
        et = 0,
        nh = 0,
        eh = 0;
      for (let look = 0; look < 20; look++) {
        for (let i = 0; i < 100; i++) {
          nt++;
          nh++;
          if (rnd() < 0.05) et++;
          if (rnd() < 0.05) eh++;
        }
        const p = (et + eh) / (nt + nh);
        const z = (et / nt - eh / nh) / Math.sqrt(p * (1 - p) * (1 / nt + 1 / nh));
        if (Math.abs(z) > 1.96) {
          rejected++;
          break;
        }
      }
    }
    expect(rejected / 1000).toBeGreaterThan(0.1);
  });

  it('detects a planted large effect (5% → 15%) in nearly every run, and the interval covers the truth', () => {
    expect(everRejected(0.15, 0.05, 100, 100, 500)).toBeGreaterThan(0.99);
    const rnd = mulberry32(7);
    const t = { n: 2000, events: 0 };
    const h = { n: 2000, events: 0 };
    for (let i = 0; i < 2000; i++) {
      if (rnd() < 0.15) t.events++;
      if (rnd() < 0.05) h.events++;
    }
    const r = msprt(t, h, OPTS);
    expect(r.status).toBe('significant');
    expect(r.difference!).toBeGreaterThan(0);
    expect(r.interval![0]).toBeLessThan(0.1);
    expect(r.interval![1]).toBeGreaterThan(0.1);
    expect(r.interval![0]).toBeGreaterThan(0);
  });
});

describe('mSPRT edge cases', () => {
  const cases: Array<[string, ArmCounts, ArmCounts]> = [
    ['zero events in both arms', { n: 5000, events: 0 }, { n: 500, events: 0 }],
    ['every unit an event in both arms', { n: 500, events: 500 }, { n: 500, events: 500 }],
    ['tiny samples', { n: 3, events: 3 }, { n: 2, events: 0 }],
    ['an empty arm', { n: 500, events: 10 }, { n: 0, events: 0 }],
    ['both empty', { n: 0, events: 0 }, { n: 0, events: 0 }],
    ['more events than units', { n: 200, events: 300 }, { n: 200, events: 1 }],
    ['not numbers', { n: Number.NaN, events: 1 }, { n: 200, events: 1 }],
  ];
  it.each(cases)('%s → inconclusive, p = 1, no interval, no NaN', (_name, t, h) => {
    const r = msprt(t, h, OPTS);
    expect(r.status).toBe('inconclusive');
    expect(r.pValue).toBe(1);
    expect(r.interval).toBeNull();
    expect(Number.isNaN(r.pValue)).toBe(false);
    expect(JSON.stringify(r)).not.toMatch(/NaN|Infinity/);
  });

  it('an earlier rejection stands when a later look is inconclusive; p never rises', () => {
    const r = msprt({ n: 3, events: 3 }, { n: 2, events: 0 }, OPTS, 0.001);
    expect(r).toMatchObject({ pValue: 0.001, status: 'significant' });
    const later = msprt({ n: 1000, events: 50 }, { n: 1000, events: 50 }, OPTS, 0.2);
    expect(later.pValue).toBe(0.2);
  });

  it('one arm without events against one with many: finite, significant, no NaN', () => {
    const r = msprt({ n: 1000, events: 200 }, { n: 1000, events: 0 }, OPTS);
    expect(r.status).toBe('significant');
    expect(Number.isFinite(r.logLikelihoodRatio!)).toBe(true);
    expect(r.interval![0]).toBeGreaterThan(0);
    expect(JSON.stringify(r)).not.toMatch(/NaN|null,"pValue":null/);
  });
});
