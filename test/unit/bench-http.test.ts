// The http bench's pure parts: the ratio to hello-world, PASS/FAIL against the targets, latency formatting,
// and the --http switch of the argument parser.
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../scripts/bench/args';
import {
  evaluateRoute,
  formatLatency,
  formatRatio,
  httpReport,
  type LoadResult,
} from '../../scripts/bench/http-targets';

const hello: LoadResult = {
  name: 'hello-world',
  path: '/',
  requestsPerSec: 20_000,
  p50Ms: 2,
  p99Ms: 8,
  requests: 200_000,
  non2xx: 0,
  errors: 0,
};
const route = (over: Partial<LoadResult>): LoadResult => ({ ...hello, name: 'cycles', path: '/c', ...over });

describe('evaluateRoute', () => {
  it('passes at exactly half the throughput and twice the p99', () => {
    const v = evaluateRoute(route({ requestsPerSec: 10_000, p99Ms: 16 }), hello);
    expect(v).toMatchObject({ throughputRatio: 0.5, p99Ratio: 2, status: 'PASS', reasons: [] });
  });

  it('fails below half the throughput or above twice the p99, saying which', () => {
    const slow = evaluateRoute(route({ requestsPerSec: 9_999, p99Ms: 16 }), hello);
    expect(slow.status).toBe('FAIL');
    expect(slow.reasons).toEqual(['throughput 50% < 50%']);
    const laggy = evaluateRoute(route({ requestsPerSec: 15_000, p99Ms: 17 }), hello);
    expect(laggy.status).toBe('FAIL');
    expect(laggy.p99Ratio).toBeCloseTo(2.125, 12);
    expect(laggy.reasons).toEqual(['p99 2.13× > 2×']);
  });

  it('fails a fast route that answered errors', () => {
    const v = evaluateRoute(route({ requestsPerSec: 30_000, p99Ms: 4, non2xx: 1200, errors: 3 }), hello);
    expect(v.status).toBe('FAIL');
    expect(v.reasons).toEqual(['1,200 non-2xx responses', '3 connection errors']);
  });

  it('shows a reference row with its ratios but never fails it', () => {
    const v = evaluateRoute(route({ requestsPerSec: 500, p99Ms: 300 }), hello, { reference: true });
    expect(v.status).toBe('REFERENCE');
    expect(v.throughputRatio).toBeCloseTo(0.025);
    expect(v.reasons).toEqual(['throughput 2.5% < 50%', 'p99 37.50× > 2×']);
  });

  it('compares p99s below the 1 ms resolution as 1 ms, not as a division by zero', () => {
    const v = evaluateRoute(route({ requestsPerSec: 20_000, p99Ms: 0 }), { ...hello, p99Ms: 0 });
    expect(v.p99Ratio).toBe(1);
    expect(evaluateRoute(route({ p99Ms: 3 }), { ...hello, p99Ms: 0 }).p99Ratio).toBe(3);
  });
});

describe('formatting', () => {
  it('formats latencies by size, and below the resolution as <1 ms', () => {
    expect(formatLatency(0)).toBe('<1 ms');
    expect(formatLatency(1)).toBe('1.0 ms');
    expect(formatLatency(9.46)).toBe('9.5 ms');
    expect(formatLatency(132.4)).toBe('132 ms');
  });

  it('formats ratios as percentages, with a decimal below 10%', () => {
    expect(formatRatio(0.5)).toBe('50%');
    expect(formatRatio(0.0849)).toBe('8.5%');
    expect(formatRatio(1.234)).toBe('123%');
  });

  it('reports every route with its ratios and verdict', () => {
    const table = httpReport([evaluateRoute(route({ requestsPerSec: 1_566, p99Ms: 132 }), hello)]);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^route\s+throughput\s+p50\s+p99\s+vs hello throughput\s+vs hello p99\s+target$/);
    expect(lines[2]).toMatch(/^ {2}hello-world, just before\s+20,000\/s\s+2\.0 ms\s+8\.0 ms$/);
    expect(lines[3]).toMatch(
      /^cycles \(\/c\)\s+1,566\/s\s+2\.0 ms\s+132 ms\s+7\.8%\s+16\.50×\s+FAIL: throughput 7\.8% < 50%; p99 16\.50× > 2×$/,
    );
  });
});

describe('parseBenchArgs --http', () => {
  it('is off by default and a switch when given', () => {
    const off = parseBenchArgs([]);
    expect(off.ok && 'args' in off && off.args.http).toBe(false);
    const on = parseBenchArgs(['--http', '--users', '10000']);
    expect(on).toMatchObject({ ok: true, args: { http: true, users: 10_000 } });
    expect(parseBenchArgs(['--http=yes'])).toEqual({ ok: false, error: '--http is a switch and takes no value' });
  });
});
