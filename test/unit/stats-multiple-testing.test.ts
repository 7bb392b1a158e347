// Two-proportion z-test p-values and Benjamini–Hochberg q-values against scipy/statsmodels values,
// including tails far beyond where 1 − Φ(z) rounds to 0.
import { describe, expect, it } from 'vitest';
import { benjaminiHochberg, twoProportionPValue, twoSidedPValue } from '../../engine/stats/multiple-testing';

describe('twoSidedPValue', () => {
  it('is 2·Φ(−|z|): 0.05 at the 97.5% quantile, symmetric in z', () => {
    expect(twoSidedPValue(1.959963984540054)).toBeCloseTo(0.05, 12);
    expect(twoSidedPValue(-1.959963984540054)).toBeCloseTo(0.05, 12);
    expect(twoSidedPValue(0)).toBe(1);
  });

  it('keeps the far tail that 1 − Φ(z) loses (scipy: 2·norm.sf(10) = 1.5239706e-23)', () => {
    expect(twoSidedPValue(10) / 1.5239706048321186e-23).toBeCloseTo(1, 9);
    expect(twoSidedPValue(8.5) / 1.895906964440671e-17).toBeCloseTo(1, 9);
  });
});

describe('twoProportionPValue', () => {
  it('matches statsmodels proportions_ztest (pooled)', () => {
    // proportions_ztest([30, 20], [100, 100]) → z = 1.63299, p = 0.1024704
    expect(twoProportionPValue(30, 100, 20, 100)).toBeCloseTo(0.1024704348597495, 12);
    // 600/1000 vs 400/1000: z = 8.944, p = 3.7441e-19 (not 0)
    expect(twoProportionPValue(600, 1000, 400, 1000)! / 3.744097384202966e-19).toBeCloseTo(1, 8);
    expect(twoProportionPValue(700, 1000, 300, 1000)! / 1.4484424372737968e-71).toBeCloseTo(1, 7);
  });

  it('is 1 without variation and null for an empty group', () => {
    expect(twoProportionPValue(0, 10, 0, 20)).toBe(1);
    expect(twoProportionPValue(1, 0, 1, 10)).toBeNull();
  });
});

describe('benjaminiHochberg', () => {
  it('matches statsmodels multipletests(method="fdr_bh"), in input order', () => {
    const q = benjaminiHochberg([0.01, 0.04, 0.03, 0.005]);
    expect(q[0]).toBeCloseTo(0.02, 12);
    expect(q[1]).toBeCloseTo(0.04, 12);
    expect(q[2]).toBeCloseTo(0.04, 12);
    expect(q[3]).toBeCloseTo(0.02, 12);
  });
});
