// The benchmark harness's pure parts: argument parsing, statistics, target scaling, plan reading.
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../scripts/bench/args';
import { summarizePlan } from '../../scripts/bench/explain';
import { durationStats } from '../../scripts/bench/runner';
import { scaledLimit } from '../../scripts/bench/targets';

describe('parseBenchArgs', () => {
  it('defaults to 1M users, seed 42, 3 repeats, every group', () => {
    const r = parseBenchArgs([]);
    expect(r).toMatchObject({
      ok: true,
      args: { users: 1_000_000, seed: 42, repeat: 3, reseed: false, explain: false, strict: false },
    });
    expect(r.ok && 'args' in r && r.args.only.length).toBe(6);
  });

  it('reads values, underscores and switches', () => {
    const r = parseBenchArgs(['--users', '200_000', '--only=kpis,detectors', '--explain', '--repeat', '5']);
    expect(r).toMatchObject({
      ok: true,
      args: { users: 200_000, repeat: 5, only: ['kpis', 'detectors'], explain: true },
    });
  });

  it.each([
    [['--users', 'many'], /--users must be a whole number/],
    [['--repeat', '0'], /--repeat must be at least 1/],
    [['--only', 'everything'], /--only takes a comma-separated list/],
    [['--frobnicate'], /frobnicate/],
  ])('rejects %j with a clear message', (argv, message) => {
    const r = parseBenchArgs(argv);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(message);
  });
});

describe('durationStats', () => {
  it('takes the median of an even and an odd number of runs', () => {
    expect(durationStats([30, 10, 20])).toMatchObject({ min: 10, median: 20, max: 30, mean: 20 });
    expect(durationStats([4, 1, 3, 2])).toMatchObject({ min: 1, median: 2.5, max: 4, mean: 2.5 });
    expect(() => durationStats([])).toThrow(/at least one run/);
  });
});

describe('scaledLimit', () => {
  it('scales linearly from the 1M-user reference, never below the floor, plus a fixed allowance', () => {
    expect(scaledLimit({ atReference: 5000, floor: 200 }, 1_000_000)).toBe(5000);
    expect(scaledLimit({ atReference: 5000, floor: 200 }, 200_000)).toBe(1000);
    expect(scaledLimit({ atReference: 5000, floor: 200 }, 10_000)).toBe(200);
    expect(scaledLimit({ atReference: 5000, floor: 200, fixed: 50 }, 2_000_000)).toBe(10_050);
  });
});

describe('summarizePlan', () => {
  it('finds a sequential scan of app.events in a nested plan', () => {
    const plan = [
      {
        Plan: {
          'Node Type': 'Aggregate',
          'Shared Hit Blocks': 12,
          Plans: [
            { 'Node Type': 'Seq Scan', 'Relation Name': 'events', Schema: 'app', Alias: 'e' },
            {
              'Node Type': 'Index Only Scan',
              'Relation Name': 'users',
              Schema: 'app',
              'Index Name': 'users_created_live_idx',
            },
          ],
        },
        'Execution Time': 12.5,
        'Planning Time': 0.4,
      },
    ];
    const s = summarizePlan(plan);
    expect(s.seqScanOnEvents).toBe(true);
    expect(s.seqScans).toHaveLength(1);
    expect(s.indexScans).toHaveLength(1);
    expect(s).toMatchObject({ executionMs: 12.5, planningMs: 0.4, sharedHitBlocks: 12 });
  });

  it('reports no red flag for an index-only plan', () => {
    const s = summarizePlan([{ Plan: { 'Node Type': 'Index Scan', 'Relation Name': 'events', Schema: 'app' } }]);
    expect(s.seqScanOnEvents).toBe(false);
    expect(s.executionMs).toBeNull();
  });
});
