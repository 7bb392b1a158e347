// Recovered-revenue figures (engine/learning/recovered-revenue.ts) on known numbers: the count rates and
// Newcombe's published example, the amount interval against a direct per-charge computation of the
// linearised ratio variance, the minimum sample, and the month window arithmetic.
import { describe, expect, it } from 'vitest';
import {
  recoveryFigures,
  recoveryReport,
  recoveryWindow,
  windowRange,
  type ArmSums,
} from '../../engine/learning/recovered-revenue';

/** An arm's sums from its charges, as the statement would return them. */
function arm(charges: Array<{ amount: number; recovered: boolean; retried?: boolean }>): ArmSums {
  const rec = charges.filter((c) => c.recovered);
  const ret = charges.filter((c) => c.retried);
  const sum = (xs: typeof charges, f: (a: number) => number) => xs.reduce((acc, c) => acc + f(c.amount), 0);
  return {
    charges: charges.length,
    amountCents: sum(charges, (a) => a),
    retried: ret.length,
    retriedAmountCents: sum(ret, (a) => a),
    recovered: rec.length,
    recoveredAmountCents: sum(rec, (a) => a),
    sumSquaredAmount: sum(charges, (a) => a * a),
    sumSquaredRecoveredAmount: sum(rec, (a) => a * a),
  };
}

const same = (n: number, recovered: number, amount = 1000, retried = true) =>
  Array.from({ length: n }, (_, i) => ({ amount, recovered: i < recovered, retried }));

describe('recoveryFigures', () => {
  it("states counts, amounts and rates, with Newcombe's interval for the count uplift (56/70 vs 48/80)", () => {
    const f = recoveryFigures({ treated: arm(same(70, 56, 2500)), holdout: arm(same(80, 48, 2500, false)) });
    expect(f.eligible).toEqual({ count: 150, amountCents: 375_000 });
    expect(f.treated).toEqual({ count: 70, amountCents: 175_000 });
    expect(f.heldOut).toEqual({ count: 80, amountCents: 200_000 });
    expect(f.retried).toEqual({ count: 70, amountCents: 175_000 });
    expect(f.recovered).toEqual({ count: 56, amountCents: 140_000 });
    expect(f.recoveryRate).toBe(0.8);
    expect(f.amountRecoveryRate).toBe(0.8);
    expect(f.holdoutRecovered).toEqual({ count: 48, amountCents: 120_000 });
    expect(f.holdoutRecoveryRate).toBe(0.6);
    expect(f.incremental.rate).toBeCloseTo(0.2, 12);
    // Newcombe (1998), Statistics in Medicine 17:873, table II, method 10: 0.0524 to 0.3339.
    expect(f.incremental.rateInterval![0]).toBeCloseTo(0.0524, 4);
    expect(f.incremental.rateInterval![1]).toBeCloseTo(0.3339, 4);
    // Equal amounts: the amount rate is the count rate and its variance p(1 − p) / (n − 1).
    expect(f.incremental.amountCents).toBeCloseTo(0.2 * 175_000, 6);
    const half = 1.959963984540054 * Math.sqrt((0.8 * 0.2) / 69 + (0.6 * 0.4) / 79) * 175_000;
    expect(f.incremental.amountInterval![0]).toBeCloseTo(0.2 * 175_000 - half, 6);
    expect(f.incremental.amountInterval![1]).toBeCloseTo(0.2 * 175_000 + half, 6);
  });

  it('weights the amount by the charges: the interval matches Σ(y − r·x)² computed charge by charge', () => {
    const treated = Array.from({ length: 30 }, (_, i) => ({ amount: 500 + 137 * i, recovered: i % 3 !== 0 }));
    const holdout = Array.from({ length: 25 }, (_, i) => ({ amount: 800 + 91 * i, recovered: i % 4 === 0 }));
    const direct = (cs: typeof treated) => {
      const x = cs.reduce((a, c) => a + c.amount, 0);
      const y = cs.reduce((a, c) => a + (c.recovered ? c.amount : 0), 0);
      const r = y / x;
      const ss = cs.reduce((a, c) => a + ((c.recovered ? c.amount : 0) - r * c.amount) ** 2, 0);
      return { r, x, v: (cs.length / (cs.length - 1)) * (ss / (x * x)) };
    };
    const t = direct(treated);
    const h = direct(holdout);
    const f = recoveryFigures({ treated: arm(treated), holdout: arm(holdout) });
    const point = (t.r - h.r) * t.x;
    const half = 1.959963984540054 * Math.sqrt(t.v + h.v) * t.x;
    expect(f.amountRecoveryRate).toBeCloseTo(t.r, 12);
    expect(f.incremental.amountCents).toBeCloseTo(point, 6);
    expect(f.incremental.amountInterval![0]).toBeCloseTo(point - half, 6);
    expect(f.incremental.amountInterval![1]).toBeCloseTo(point + half, 6);
    // 20 of 30 treated and 7 of 25 held out recovered, by count.
    expect(f.recoveryRate).toBeCloseTo(20 / 30, 12);
    expect(f.holdoutRecoveryRate).toBeCloseTo(7 / 25, 12);
  });

  it('gives no interval below 20 charges in either arm, and no incremental figure without a holdout', () => {
    const small = recoveryFigures({ treated: arm(same(40, 20)), holdout: arm(same(19, 5, 1000, false)) });
    expect(small.incremental.rate).toBeCloseTo(0.5 - 5 / 19, 12);
    expect(small.incremental.rateInterval).toBeNull();
    expect(small.incremental.amountInterval).toBeNull();
    const none = recoveryFigures({ treated: arm(same(40, 20)), holdout: arm([]) });
    expect(none.recoveryRate).toBe(0.5);
    expect(none.incremental).toEqual({ rate: null, rateInterval: null, amountCents: null, amountInterval: null });
    const empty = recoveryFigures({ treated: arm([]), holdout: arm([]) });
    expect(empty.recoveryRate).toBeNull();
    expect(empty.amountRecoveryRate).toBeNull();
    expect(empty.eligible).toEqual({ count: 0, amountCents: 0 });
  });
});

describe('recovery window', () => {
  const now = new Date('2026-03-15T10:00:00Z');
  it('defaults to the last 12 months including the current one', () => {
    expect(recoveryWindow({}, now)).toEqual({ from: '2025-04', to: '2026-03' });
    expect(recoveryWindow({ months: 1 }, now)).toEqual({ from: '2026-03', to: '2026-03' });
    expect(recoveryWindow({ months: 3 }, now)).toEqual({ from: '2026-01', to: '2026-03' });
  });

  it('takes from/to months, either one alone, and rejects bad combinations', () => {
    expect(recoveryWindow({ from: '2025-11', to: '2026-01' }, now)).toEqual({ from: '2025-11', to: '2026-01' });
    expect(recoveryWindow({ from: '2026-02' }, now)).toEqual({ from: '2026-02', to: '2026-03' });
    expect(recoveryWindow({ to: '2025-12' }, now)).toEqual({ from: '2025-01', to: '2025-12' });
    // A future from alone is a window of that month, not an error.
    expect(recoveryWindow({ from: '2026-07' }, now)).toEqual({ from: '2026-07', to: '2026-07' });
    expect(() => recoveryWindow({ months: 121 }, now)).toThrow(/1\.\.120/);
    expect(() => recoveryWindow({ from: '2010-01', to: '2026-01' }, now)).toThrow(/more than 120/);
    expect(() => recoveryWindow({ from: '2026-02', to: '2026-01' }, now)).toThrow(/after/);
    expect(() => recoveryWindow({ months: 2, from: '2026-01' }, now)).toThrow(/combined/);
    expect(() => recoveryWindow({ from: '2026-13' }, now)).toThrow(/YYYY-MM/);
  });

  it('covers whole UTC months, the end excluded', () => {
    expect(windowRange({ from: '2025-12', to: '2026-02' })).toEqual({
      start: new Date('2025-12-01T00:00:00.000Z'),
      end: new Date('2026-03-01T00:00:00.000Z'),
    });
  });
});

describe('recoveryReport', () => {
  it('lists every month of the window (zeros included) and the decline codes by eligible amount', () => {
    const r = recoveryReport({ from: '2026-01', to: '2026-03' }, [
      { dimension: 'total', key: null, heldOut: false, sums: arm(same(3, 2)) },
      { dimension: 'total', key: null, heldOut: true, sums: arm(same(1, 0, 1000, false)) },
      { dimension: 'month', key: '2026-02', heldOut: false, sums: arm(same(3, 2)) },
      { dimension: 'month', key: '2026-02', heldOut: true, sums: arm(same(1, 0, 1000, false)) },
      { dimension: 'decline_code', key: 'card_declined', heldOut: false, sums: arm(same(1, 1)) },
      { dimension: 'decline_code', key: 'insufficient_funds', heldOut: false, sums: arm(same(2, 1)) },
      { dimension: 'decline_code', key: 'insufficient_funds', heldOut: true, sums: arm(same(1, 0, 1000, false)) },
    ]);
    expect(r.total.eligible.count).toBe(4);
    expect(r.byMonth.map((m) => [m.month, m.eligible.count])).toEqual([
      ['2026-01', 0],
      ['2026-02', 4],
      ['2026-03', 0],
    ]);
    expect(r.byDeclineCode.map((c) => [c.declineCode, c.eligible.amountCents])).toEqual([
      ['insufficient_funds', 3000],
      ['card_declined', 1000],
    ]);
  });
});
