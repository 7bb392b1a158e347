// The http bench's verdicts: each route's throughput and p99 against a Fastify hello-world measured in the
// same run (≥ 50% of its throughput, p99 ≤ 2× its p99, no errors), and the report table.
import { formatCount, renderTable } from './format';

export const HTTP_TARGETS = { minThroughputRatio: 0.5, maxP99Ratio: 2 } as const;

/** autocannon records latencies in whole milliseconds: a p99 below that reads as this floor, not 0. */
export const LATENCY_RESOLUTION_MS = 1;

export interface LoadResult {
  name: string;
  path: string;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

export interface RouteVerdict {
  route: LoadResult;
  /** hello-world measured just before this route, so a load swing on the machine moves both alike. */
  baseline: LoadResult;
  throughputRatio: number;
  p99Ratio: number;
  /** REFERENCE: measured and shown, not judged. */
  status: 'PASS' | 'FAIL' | 'REFERENCE';
  reasons: string[];
}

export function evaluateRoute(
  route: LoadResult,
  baseline: LoadResult,
  opts: { reference?: boolean } = {},
): RouteVerdict {
  const throughputRatio = baseline.requestsPerSec > 0 ? route.requestsPerSec / baseline.requestsPerSec : 0;
  const p99Ratio = Math.max(route.p99Ms, LATENCY_RESOLUTION_MS) / Math.max(baseline.p99Ms, LATENCY_RESOLUTION_MS);
  const reasons: string[] = [];
  if (throughputRatio < HTTP_TARGETS.minThroughputRatio)
    reasons.push(`throughput ${formatRatio(throughputRatio)} < ${formatRatio(HTTP_TARGETS.minThroughputRatio)}`);
  if (p99Ratio > HTTP_TARGETS.maxP99Ratio) reasons.push(`p99 ${p99Ratio.toFixed(2)}× > ${HTTP_TARGETS.maxP99Ratio}×`);
  if (route.non2xx) reasons.push(`${formatCount(route.non2xx)} non-2xx responses`);
  if (route.errors) reasons.push(`${formatCount(route.errors)} connection errors`);
  const status = opts.reference ? 'REFERENCE' : reasons.length ? 'FAIL' : 'PASS';
  return { route, baseline, throughputRatio, p99Ratio, status, reasons };
}

export function formatRatio(r: number): string {
  return `${(r * 100).toFixed(r < 0.1 ? 1 : 0)}%`;
}

/** A latency percentile: "<1 ms" below autocannon's resolution, else with a precision that fits its size. */
export function formatLatency(ms: number): string {
  if (ms < LATENCY_RESOLUTION_MS) return `<${LATENCY_RESOLUTION_MS} ms`;
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

export function formatRate(perSec: number): string {
  return `${formatCount(Math.round(perSec))}/s`;
}

/** Each route's row after the row of the hello-world run it is compared with. */
export function httpReport(verdicts: RouteVerdict[]): string {
  const rows = verdicts.flatMap((v) => [
    [
      `  ${v.baseline.name}, just before`,
      formatRate(v.baseline.requestsPerSec),
      formatLatency(v.baseline.p50Ms),
      formatLatency(v.baseline.p99Ms),
    ],
    [
      `${v.route.name} (${v.route.path})`,
      formatRate(v.route.requestsPerSec),
      formatLatency(v.route.p50Ms),
      formatLatency(v.route.p99Ms),
      formatRatio(v.throughputRatio),
      `${v.p99Ratio.toFixed(2)}×`,
      v.status + (v.reasons.length ? `: ${v.reasons.join('; ')}` : ''),
    ],
  ]);
  return renderTable(['route', 'throughput', 'p50', 'p99', 'vs hello throughput', 'vs hello p99', 'target'], rows, [
    false,
    true,
    true,
    true,
    true,
    true,
    false,
  ]);
}
