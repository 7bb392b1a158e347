// The cycle bench's pure parts: its switch, and the ratio verdicts over measured sizes.
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../scripts/bench/args';
import { evaluateCycleTargets, type SizeResult } from '../../scripts/bench/cycle-targets';

const size = (users: number, scale: number, over: Partial<SizeResult> = {}): SizeResult => ({
  users,
  events: users * 20,
  bare: { analyze: 1000 * scale, learn: 500 * scale, optimize: 400 * scale },
  full: { cycleId: 'f', wallMs: 60_000 * scale, phases: { analyze: 50_000 * scale }, rollupUsersFolded: null },
  incremental: {
    cycleId: 'i',
    wallMs: 6_000 * scale,
    phases: { analyze: 1200 * scale, learn: 900 * scale, optimize: 700 * scale },
    rollupUsersFolded: 10,
  },
  peakHeapGrowth: 50 * 1024 * 1024,
  ...over,
});

describe('the cycle bench', () => {
  it('is a switch that excludes --http', () => {
    expect(parseBenchArgs(['--cycle'])).toMatchObject({ ok: true, args: { cycle: true, http: false } });
    expect(parseBenchArgs(['--cycle', '--http'])).toEqual({
      ok: false,
      error: '--http and --cycle exclude each other',
    });
  });

  it('passes the ratios within their limits, judged at the largest size', () => {
    const t = evaluateCycleTargets([size(100_000, 1), size(1_000_000, 8)]);
    expect(Object.fromEntries(t.map((x) => [x.id, [x.status, x.actual]]))).toEqual({
      analyzeVsBare: ['PASS', 1.2],
      learnVsBare: ['PASS', 1.8],
      optimizeVsBare: ['PASS', 1.75],
      incrementalVsFull: ['PASS', 0.1],
      tenfoldUsers: ['PASS', 8],
      peakHeapGrowth: ['PASS', 50 * 1024 * 1024],
    });
  });

  it('fails a ratio over its limit and skips the scaling ratio without a smaller size', () => {
    const slow = size(1_000_000, 1, {
      incremental: {
        cycleId: 'i',
        wallMs: 30_000,
        phases: { analyze: 1400, learn: 900, optimize: 900 },
        rollupUsersFolded: 1,
      },
    });
    const t = Object.fromEntries(evaluateCycleTargets([slow]).map((x) => [x.id, x.status]));
    expect(t).toMatchObject({
      analyzeVsBare: 'FAIL',
      optimizeVsBare: 'FAIL',
      incrementalVsFull: 'FAIL',
      tenfoldUsers: 'SKIP',
    });
  });
});
