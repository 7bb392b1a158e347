// The cycle bench's verdicts (docs/scale.md): ratios measured in the same run, judged at the largest size —
// the analyze phase within 1.3× its bare-SQL baseline, learn and optimize within 2× theirs, a cycle after +1%
// data within 0.2× a from-scratch one, the cycle at N users within 10× the cycle at N/10, heap growth bounded.
import type { BarePhase } from './bare-sql';
import { formatCount, formatMb, formatMs, renderTable } from './format';
import { scaledLimit } from './targets';

export interface CycleRun {
  cycleId: string;
  /** Start to result, as the caller waits for it. */
  wallMs: number;
  /** Each phase's time from engine.cycle_phases. */
  phases: Record<string, number>;
  rollupUsersFolded: number | null;
}

export interface SizeResult {
  users: number;
  events: number;
  /** Median of the replayed bare-SQL statements per phase. */
  bare: Record<BarePhase, number>;
  /** `full`: the rollups rebuilt from every event. */
  full: CycleRun;
  /** A day later, after +1% users and events. */
  incremental: CycleRun;
  peakHeapGrowth: number;
}

export interface CycleTarget {
  id: string;
  label: string;
  limit: number;
  actual: number | null;
  unit: 'ratio' | 'bytes';
  status: 'PASS' | 'FAIL' | 'SKIP';
  note: string | null;
}

export const CYCLE_LIMITS = {
  analyzeVsBare: 1.3,
  learnVsBare: 2,
  optimizeVsBare: 2,
  incrementalVsFull: 0.2,
  tenfoldUsers: 10,
} as const;

const HEAP_LIMIT = { atReference: 200 * 1024 * 1024, floor: 32 * 1024 * 1024 };

function ratio(
  id: string,
  label: string,
  limit: number,
  num: number | undefined,
  den: number | undefined,
  note: string | null = null,
): CycleTarget {
  if (num === undefined || den === undefined || !Number.isFinite(num) || !Number.isFinite(den) || den <= 0)
    return { id, label, limit, actual: null, unit: 'ratio', status: 'SKIP', note: note ?? 'not measured' };
  const actual = num / den;
  return { id, label, limit, actual, unit: 'ratio', status: actual <= limit ? 'PASS' : 'FAIL', note };
}

export function evaluateCycleTargets(sizes: SizeResult[]): CycleTarget[] {
  const big = sizes[sizes.length - 1]!;
  const small = sizes.length > 1 ? sizes[0]! : null;
  const at = `at ${formatCount(big.users)} users`;
  const inc = big.incremental.phases;
  const heapLimit = scaledLimit(HEAP_LIMIT, big.users);
  return [
    ratio(
      'analyzeVsBare',
      `analyze after +1% / bare SQL of its counts, ${at}`,
      CYCLE_LIMITS.analyzeVsBare,
      inc.analyze,
      big.bare.analyze,
    ),
    ratio(
      'learnVsBare',
      `learn after +1% / bare SQL of its analytics, ${at}`,
      CYCLE_LIMITS.learnVsBare,
      inc.learn,
      big.bare.learn,
    ),
    ratio(
      'optimizeVsBare',
      `optimize after +1% / bare SQL of its target queries, ${at}`,
      CYCLE_LIMITS.optimizeVsBare,
      inc.optimize,
      big.bare.optimize,
    ),
    ratio(
      'incrementalVsFull',
      `whole cycle after +1% / whole cycle from scratch (full), ${at}`,
      CYCLE_LIMITS.incrementalVsFull,
      big.incremental.wallMs,
      big.full.wallMs,
    ),
    small
      ? ratio(
          'tenfoldUsers',
          `whole cycle after +1% at ${formatCount(big.users)} / at ${formatCount(small.users)} users`,
          CYCLE_LIMITS.tenfoldUsers,
          big.incremental.wallMs,
          small.incremental.wallMs,
        )
      : ratio(
          'tenfoldUsers',
          'whole cycle at N / at N/10 users',
          CYCLE_LIMITS.tenfoldUsers,
          undefined,
          undefined,
          'N/10 is below the seed minimum',
        ),
    {
      id: 'peakHeapGrowth',
      label: `peak heap growth over both cycles (worker in process), ${at}`,
      limit: heapLimit,
      actual: big.peakHeapGrowth,
      unit: 'bytes',
      status: big.peakHeapGrowth <= heapLimit ? 'PASS' : 'FAIL',
      note: null,
    },
  ];
}

/** Before the rollups, measured by hand on the same machine (2 cores, a dry-run cycle on the worker). */
const BEFORE_ROLLUPS: string[][] = [
  ['100,000 (~2M)', '0.8–1.1 s', '1.0–1.1 s', '1.5 s', '~5.6 s', '-', '-', '-'],
  ['1,000,000 (~20M)', '6.6–7.6 s', '10.5–11.4 s', '8.9 s', '~33 s', '-', '8–10 s', '7–9 s'],
];

const HEADER = [
  'users (events)',
  'bare SQL of analyze',
  'analyze (full)',
  'analyze after +1%',
  'whole cycle (full)',
  'whole cycle after +1%',
  'learn after +1% (bare)',
  'optimize after +1% (bare)',
];

export function cycleReport(sizes: SizeResult[], targets: CycleTarget[]): string {
  const rows = sizes.map((s) => [
    `${formatCount(s.users)} (${formatCount(s.events)})`,
    formatMs(s.bare.analyze),
    formatMs(s.full.phases.analyze ?? NaN),
    formatMs(s.incremental.phases.analyze ?? NaN),
    formatMs(s.full.wallMs),
    formatMs(s.incremental.wallMs),
    `${formatMs(s.incremental.phases.learn ?? NaN)} (${formatMs(s.bare.learn)})`,
    `${formatMs(s.incremental.phases.optimize ?? NaN)} (${formatMs(s.bare.optimize)})`,
  ]);
  const targetRows = targets.map((t) => [
    t.status,
    t.label,
    t.unit === 'ratio' ? `≤ ${t.limit}×` : `≤ ${formatMb(t.limit)}`,
    t.actual === null ? '-' : t.unit === 'ratio' ? `${t.actual.toFixed(2)}×` : formatMb(t.actual),
    t.note ?? '',
  ]);
  return [
    'Before the event rollups (the issue that asked for them):',
    renderTable(HEADER, BEFORE_ROLLUPS),
    '',
    'Now:',
    renderTable(
      HEADER,
      rows,
      HEADER.map((_, i) => i > 0),
    ),
    '',
    renderTable(['status', 'target', 'limit', 'actual', 'note'], targetRows, [false, false, true, true, false]),
  ].join('\n');
}
