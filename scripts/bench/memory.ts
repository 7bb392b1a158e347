// Process memory around a benchmark case: rss and heapUsed before and after, and their peaks sampled
// every 50 ms while the case runs. The point is to show that the engine never pulls large row sets into
// the Node process: heap growth must stay flat whatever the number of users.
import v8 from 'node:v8';
import vm from 'node:vm';

export const SAMPLE_INTERVAL_MS = 50;

export interface MemoryPoint {
  rss: number;
  heapUsed: number;
}

export interface MemoryReport {
  before: MemoryPoint;
  after: MemoryPoint;
  peak: MemoryPoint;
  /** peak.heapUsed − before.heapUsed (≥ 0): the most the case held at once beyond the baseline. */
  peakHeapGrowth: number;
  peakRssGrowth: number;
  samples: number;
}

let gcFn: (() => void) | null | undefined;

/**
 * A full garbage collection, so each case starts from a clean baseline. `gc` is only exposed with
 * --expose-gc; setting the flag at run time and fetching `gc` from a fresh context is the documented way
 * to get it without changing how the process is started (npm run bench → tsx).
 */
export function collectGarbage(): boolean {
  if (gcFn === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    } catch {
      gcFn = null;
    }
  }
  if (!gcFn) return false;
  gcFn();
  return true;
}

function point(): MemoryPoint {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

/** Starts sampling; the returned function stops it and reports. */
export function startMemorySampler(): () => MemoryReport {
  const before = point();
  const peak = { ...before };
  let samples = 0;
  const sample = () => {
    const p = point();
    samples++;
    if (p.rss > peak.rss) peak.rss = p.rss;
    if (p.heapUsed > peak.heapUsed) peak.heapUsed = p.heapUsed;
  };
  const timer = setInterval(sample, SAMPLE_INTERVAL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    sample();
    const after = point();
    return {
      before,
      after,
      peak,
      peakHeapGrowth: Math.max(0, peak.heapUsed - before.heapUsed),
      peakRssGrowth: Math.max(0, peak.rss - before.rss),
      samples,
    };
  };
}
