// The Wilson score interval against reference values: the roots of (p̂ − p)² = z²·p(1 − p)/n, solved
// with 40-digit decimals (a formulation independent of the implementation's centre ± half-width), which
// agree with R's prop.test(k, n, correct = FALSE)$conf.int.
import { describe, expect, it } from 'vitest';
import { wilsonInterval, Z_95 } from '../../engine/kpi/wilson';

function expectInterval(actual: [number, number] | null, low: number, high: number, digits = 6): void {
  expect(actual).not.toBeNull();
  expect(actual![0]).toBeCloseTo(low, digits);
  expect(actual![1]).toBeCloseTo(high, digits);
}

describe('wilsonInterval', () => {
  it('uses the exact 97.5% normal quantile', () => {
    expect(Z_95).toBe(1.959963984540054);
  });

  it('matches known values', () => {
    expectInterval(wilsonInterval(10, 20), 0.2992980082, 0.7007019918, 9);
    expectInterval(wilsonInterval(1, 10), 0.0178762131, 0.4041500268, 9);
    expectInterval(wilsonInterval(5, 100), 0.0215436792, 0.1117504692, 9);
    expectInterval(wilsonInterval(81, 263), 0.2552885199, 0.366209577, 9);
    expectInterval(wilsonInterval(2, 8), 0.0714792128, 0.5907245697, 9);
  });

  it('rounds to the four-decimal values of the brief', () => {
    const [lo, hi] = wilsonInterval(10, 20)!;
    expect(lo.toFixed(4)).toBe('0.2993');
    expect(hi.toFixed(4)).toBe('0.7007');
    const [lo0, hi0] = wilsonInterval(0, 10)!;
    expect(lo0).toBe(0);
    expect(hi0.toFixed(4)).toBe('0.2775');
  });

  it('k = 0 has a lower bound of exactly 0, k = n an upper bound of exactly 1', () => {
    expect(wilsonInterval(0, 10)).toEqual([0, expect.closeTo(0.2775327999, 9)]);
    expect(wilsonInterval(10, 10)).toEqual([expect.closeTo(0.7224672001, 9), 1]);
    expect(wilsonInterval(0, 1)).toEqual([0, expect.closeTo(0.7934506856, 9)]);
    expect(wilsonInterval(1, 1)).toEqual([expect.closeTo(0.2065493144, 9), 1]);
    expect(wilsonInterval(0, 100)).toEqual([0, expect.closeTo(0.0369934982, 9)]);
  });

  it('is symmetric: the interval of n − k mirrors the interval of k', () => {
    const [lo, hi] = wilsonInterval(3, 17)!;
    const [lo2, hi2] = wilsonInterval(14, 17)!;
    expect(lo2).toBeCloseTo(1 - hi, 12);
    expect(hi2).toBeCloseTo(1 - lo, 12);
  });

  it('contains the point estimate and narrows as n grows', () => {
    const small = wilsonInterval(3, 10)!;
    const large = wilsonInterval(3000, 10000)!;
    expect(small[0]).toBeLessThan(0.3);
    expect(small[1]).toBeGreaterThan(0.3);
    expect(large[0]).toBeLessThan(0.3);
    expect(large[1]).toBeGreaterThan(0.3);
    expect(large[1] - large[0]).toBeLessThan(small[1] - small[0]);
  });

  it('n = 0 has no interval', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 2, 0)).toThrow(RangeError);
  });
});
