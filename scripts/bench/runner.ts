// Runs each benchmark case R times, with a garbage collection before it and memory sampled while it
// runs, and summarizes the durations (min / median / max). A case that throws is reported, not fatal:
// the other owners' numbers are still worth having.
import { performance } from 'node:perf_hooks';
import type { BenchCase, BenchContext } from './case';
import { collectGarbage, startMemorySampler, type MemoryReport } from './memory';

export interface DurationStats {
  runs: number[];
  min: number;
  median: number;
  max: number;
  mean: number;
}

export interface CaseResult {
  group: string;
  name: string;
  stats: DurationStats | null;
  memory: MemoryReport | null;
  note: string | null;
  error: string | null;
}

export function durationStats(runs: number[]): DurationStats {
  if (!runs.length) throw new Error('durationStats needs at least one run');
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    runs,
    min: sorted[0]!,
    median,
    max: sorted[sorted.length - 1]!,
    mean: runs.reduce((a, b) => a + b, 0) / runs.length,
  };
}

export async function runCase(c: BenchCase, ctx: BenchContext, repeat: number): Promise<CaseResult> {
  collectGarbage();
  const stop = startMemorySampler();
  const runs: number[] = [];
  let note: string | null = null;
  try {
    for (let i = 0; i < repeat; i++) {
      const started = performance.now();
      const out = await c.run(ctx);
      const elapsed = performance.now() - started;
      // A case that prepares data first reports the time of the part under test itself.
      if (typeof out === 'string') {
        note = out;
        runs.push(elapsed);
      } else {
        note = out.note;
        runs.push(out.timedMs);
      }
    }
    return { group: c.group, name: c.name, stats: durationStats(runs), memory: stop(), note, error: null };
  } catch (err) {
    const memory = stop();
    return {
      group: c.group,
      name: c.name,
      stats: runs.length ? durationStats(runs) : null,
      memory,
      note,
      error: (err as Error).message?.split('\n')[0]?.slice(0, 400) ?? String(err),
    };
  }
}
