// KPI definitions and builders: targets, minimum-sample handling, funnel steps and drop-off,
// LTV:CAC arithmetic and its undefined cases (never Infinity or NaN).
import { describe, expect, it } from 'vitest';
import {
  buildFunnelKpi,
  buildLtvCacKpi,
  buildRateKpi,
  KPI_DEFINITIONS,
  KPI_TARGETS,
} from '../../engine/kpi/definitions';
import { dropOffStep, funnelSteps, type FunnelCounts } from '../../engine/kpi/funnel';
import { ltvCacBreakdown, type LtvCacInputs } from '../../engine/kpi/ltv-cac';
import { wilsonInterval } from '../../engine/kpi/wilson';
import { KPI_NAMES } from '../../engine/types';

const NOW = new Date('2026-11-25T06:00:00.000Z');

describe('KPI definitions', () => {
  it('defines the four KPIs with the design targets', () => {
    expect(Object.keys(KPI_DEFINITIONS).sort()).toEqual([...KPI_NAMES].sort());
    expect(KPI_TARGETS).toEqual({ activation_rate: 0.4, d7_retention: 0.25, signup_to_activation: 0.4, ltv_cac: 4 });
  });

  it('derives each KPI window from now', () => {
    expect(KPI_DEFINITIONS.activation_rate.windows(NOW).cohort!.start.toISOString()).toBe('2026-10-19T06:00:00.000Z');
    expect(KPI_DEFINITIONS.d7_retention.windows(NOW).cohort!.end.toISOString()).toBe('2026-11-18T06:00:00.000Z');
    expect(KPI_DEFINITIONS.signup_to_activation.windows(NOW).cohort!.start.toISOString()).toBe(
      '2026-09-26T06:00:00.000Z',
    );
    const ltv = KPI_DEFINITIONS.ltv_cac.windows(NOW);
    expect(ltv.churn!.start.toISOString()).toBe('2026-10-26T06:00:00.000Z');
    expect(ltv.cac!.start.toISOString()).toBe('2026-08-01T00:00:00.000Z');
  });
});

describe('buildRateKpi', () => {
  it('an empty cohort is insufficient data, even with no minimum', () => {
    const k = buildRateKpi('activation_rate', 0, 0, 0);
    expect(k).toEqual({
      name: 'activation_rate',
      value: null,
      target: 0.4,
      sampleSize: 0,
      interval: null,
      status: 'insufficient_data',
      details: { numerator: 0, denominator: 0, minSample: 0, reason: 'empty_cohort' },
    });
  });

  it('below the minimum sample: no value, no interval', () => {
    const k = buildRateKpi('d7_retention', 20, 29, 30);
    expect(k.value).toBeNull();
    expect(k.interval).toBeNull();
    expect(k.status).toBe('insufficient_data');
    expect(k.sampleSize).toBe(29);
    expect(k.details).toMatchObject({ numerator: 20, denominator: 29, reason: 'below_min_sample' });
  });

  it('exactly at the minimum sample the KPI is measured', () => {
    const k = buildRateKpi('d7_retention', 6, 30, 30);
    expect(k.value).toBe(0.2);
    expect(k.status).toBe('below_target');
    expect(k.interval).toEqual(wilsonInterval(6, 30));
    expect(k.interval![0]).toBeCloseTo(0.0950510718, 9);
    expect(k.interval![1]).toBeCloseTo(0.3730569641, 9);
    expect(k.details).toEqual({ numerator: 6, denominator: 30, minSample: 30 });
  });

  it('a value equal to the target is ok', () => {
    const k = buildRateKpi('activation_rate', 12, 30, 30);
    expect(k.value).toBe(0.4);
    expect(k.status).toBe('ok');
  });

  it('carries extra details and rejects impossible counts', () => {
    expect(buildRateKpi('activation_rate', 1, 2, 1, { window: 'w' }).details.window).toBe('w');
    expect(() => buildRateKpi('activation_rate', 3, 2, 1)).toThrow(RangeError);
    expect(() => buildRateKpi('activation_rate', 1, 2, -1)).toThrow(RangeError);
  });
});

describe('funnel', () => {
  const counts: FunnelCounts = {
    cohort: 100,
    onboarded: 80,
    activated: 50,
    paid: 20,
    onboardedActivated: 40,
    onboardedActivatedPaid: 10,
  };

  it('reports each step count (strict), reached count and conversion', () => {
    expect(funnelSteps(counts)).toEqual([
      { step: 'signed_up', count: 100, reached: 100, conversion: null, conversionFromStart: 1 },
      { step: 'onboarding_completed', count: 80, reached: 80, conversion: 0.8, conversionFromStart: 0.8 },
      { step: 'activated', count: 40, reached: 50, conversion: 0.5, conversionFromStart: 0.4 },
      { step: 'paid', count: 10, reached: 20, conversion: 0.25, conversionFromStart: 0.1 },
    ]);
  });

  it('the drop-off is the step with the lowest conversion', () => {
    expect(dropOffStep(funnelSteps(counts))!.step).toBe('paid');
    const leakyOnboarding = { ...counts, onboarded: 30, onboardedActivated: 25, onboardedActivatedPaid: 20 };
    // 30/100 = 0.3 < 25/30 and 20/25.
    expect(dropOffStep(funnelSteps(leakyOnboarding))!.step).toBe('onboarding_completed');
  });

  it('a tie goes to the earlier step', () => {
    const tie = {
      cohort: 100,
      onboarded: 50,
      activated: 25,
      paid: 10,
      onboardedActivated: 25,
      onboardedActivatedPaid: 20,
    };
    // 0.5, 0.5, 0.8
    expect(dropOffStep(funnelSteps(tie))!.step).toBe('onboarding_completed');
  });

  it('steps after an empty step have no conversion and are never the drop-off', () => {
    const none = { cohort: 40, onboarded: 0, activated: 10, paid: 5, onboardedActivated: 0, onboardedActivatedPaid: 0 };
    const steps = funnelSteps(none);
    expect(steps.map((s) => s.conversion)).toEqual([null, 0, null, null]);
    expect(dropOffStep(steps)!.step).toBe('onboarding_completed');
    const empty = { cohort: 0, onboarded: 0, activated: 0, paid: 0, onboardedActivated: 0, onboardedActivatedPaid: 0 };
    expect(dropOffStep(funnelSteps(empty))).toBeNull();
  });

  it('the KPI is activated within 30 days over the cohort, with steps and drop-off in details', () => {
    const k = buildFunnelKpi(counts, 30);
    expect(k.name).toBe('signup_to_activation');
    expect(k.value).toBe(0.5);
    expect(k.status).toBe('ok');
    expect(k.interval).toEqual(wilsonInterval(50, 100));
    expect(k.details).toMatchObject({ numerator: 50, denominator: 100, dropOff: { step: 'paid', conversion: 0.25 } });
    expect((k.details.steps as unknown[]).length).toBe(4);
  });

  it('below the minimum sample the steps stay visible but no drop-off is named', () => {
    const k = buildFunnelKpi(counts, 101);
    expect(k.status).toBe('insufficient_data');
    expect(k.value).toBeNull();
    expect(k.details.dropOff).toBeNull();
    expect((k.details.steps as Array<{ count: number }>).map((s) => s.count)).toEqual([100, 80, 40, 10]);
  });
});

describe('LTV:CAC', () => {
  // ARPA = 300000 / 100 = 3000; churn = 5 / 100 = 0.05; LTV = 3000 × 0.8 / 0.05 = 48000;
  // CAC = 600000 / 40 = 15000; LTV:CAC = 48000 / 15000 = 3.2.
  const hand: LtvCacInputs = {
    activeMrrCents: 300_000,
    activeCustomers: 100,
    customersAtChurnStart: 100,
    churnedCustomers: 5,
    acquisitionSpendCents: 600_000,
    newPayingCustomers: 40,
  };

  it('computes ARPA, churn, LTV, CAC and the ratio by hand', () => {
    const k = buildLtvCacKpi(hand, 0.8, 30);
    expect(k.value).toBeCloseTo(3.2, 12);
    expect(k.status).toBe('below_target');
    expect(k.sampleSize).toBe(100);
    expect(k.details.arpaCents).toBe(3000);
    expect(k.details.churn).toBe(0.05);
    expect(k.details.ltvCents).toBeCloseTo(48000, 8);
    expect(k.details.cacCents).toBe(15000);
    expect(k.details).toMatchObject({
      numerator: k.details.ltvCents,
      denominator: 15000,
      grossMargin: 0.8,
      churnedCustomers: 5,
    });
  });

  it('propagates the churn Wilson interval: [ARPA·gm/(cHi·CAC), ARPA·gm/(cLo·CAC)]', () => {
    const k = buildLtvCacKpi(hand, 0.8, 30);
    // Wilson(5, 100) = [0.0215436792, 0.1117504692]; 2400 / (c · 15000) = 0.16 / c.
    expect(k.interval![0]).toBeCloseTo(0.16 / 0.1117504692, 6);
    expect(k.interval![1]).toBeCloseTo(0.16 / 0.0215436792, 6);
    expect(k.interval![0]).toBeCloseTo(1.43176, 4);
    expect(k.interval![1]).toBeCloseTo(7.42677, 4);
    expect(k.interval![0]).toBeLessThan(k.value!);
    expect(k.interval![1]).toBeGreaterThan(k.value!);
  });

  it('is ok at or above 4', () => {
    const k = buildLtvCacKpi({ ...hand, acquisitionSpendCents: 480_000 }, 0.8, 30);
    // CAC = 12000 → 48000 / 12000 = 4.
    expect(k.value).toBe(4);
    expect(k.status).toBe('ok');
    expect(buildLtvCacKpi({ ...hand, acquisitionSpendCents: 240_000 }, 0.8, 30).status).toBe('ok');
  });

  it('zero churn: no value, a reason, and a lower bound from the churn upper bound', () => {
    const k = buildLtvCacKpi({ ...hand, churnedCustomers: 0 }, 0.8, 30);
    expect(k.value).toBeNull();
    expect(k.interval).toBeNull();
    expect(k.status).toBe('insufficient_data');
    expect(k.details.reason).toBe('zero_churn');
    // Wilson(0, 100) upper = 0.0369934982 → 0.16 / 0.0369934982.
    expect(k.details.ltvCacLowerBound as number).toBeCloseTo(4.325084346, 9);
  });

  it('no new paying customers or no spend: no value, with the reason', () => {
    expect(buildLtvCacKpi({ ...hand, newPayingCustomers: 0 }, 0.8, 30).details.reason).toBe('no_new_paying_customers');
    expect(buildLtvCacKpi({ ...hand, newPayingCustomers: 0, acquisitionSpendCents: 0 }, 0.8, 30).details.reason).toBe(
      'no_new_paying_customers',
    );
    const organic = buildLtvCacKpi({ ...hand, acquisitionSpendCents: 0 }, 0.8, 30);
    expect(organic.value).toBeNull();
    expect(organic.details.reason).toBe('no_acquisition_spend');
    expect(organic.details.cacCents).toBe(0);
  });

  it('no paying customers now or at the churn start: no value', () => {
    const noActive = buildLtvCacKpi({ ...hand, activeCustomers: 0, activeMrrCents: 0 }, 0.8, 30);
    expect(noActive.details.reasons).toEqual(['no_active_paying_customers']);
    const nobody = buildLtvCacKpi({ ...hand, customersAtChurnStart: 0, churnedCustomers: 0 }, 0.8, 0);
    expect(nobody.details.reasons).toEqual(['no_customers_at_churn_start']);
    expect(nobody.sampleSize).toBe(0);
  });

  it('sample size is the churn denominator: below the minimum is insufficient, at it is measured', () => {
    const below = buildLtvCacKpi(hand, 0.8, 101);
    expect(below.status).toBe('insufficient_data');
    expect(below.value).toBeNull();
    expect(below.details.reason).toBe('below_min_sample');
    expect(buildLtvCacKpi(hand, 0.8, 100).value).toBeCloseTo(3.2, 12);
  });

  it('never yields Infinity or NaN over edge inputs', () => {
    for (const activeCustomers of [0, 1, 7])
      for (const customersAtChurnStart of [0, 1, 9])
        for (const churnedCustomers of [0, 1, 9])
          for (const newPayingCustomers of [0, 3])
            for (const acquisitionSpendCents of [0, 5000]) {
              if (churnedCustomers > customersAtChurnStart) continue;
              const k = buildLtvCacKpi(
                {
                  activeMrrCents: activeCustomers * 2900,
                  activeCustomers,
                  customersAtChurnStart,
                  churnedCustomers,
                  newPayingCustomers,
                  acquisitionSpendCents,
                },
                0.8,
                0,
              );
              expect(k.value === null || Number.isFinite(k.value)).toBe(true);
              for (const x of k.interval ?? []) expect(Number.isFinite(x)).toBe(true);
              for (const v of Object.values(k.details))
                if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
              expect(JSON.stringify(k)).not.toMatch(/Infinity|NaN/);
              if (k.value === null) expect(k.status).toBe('insufficient_data');
            }
  });

  it('rejects a gross margin outside (0, 1] and inconsistent counts', () => {
    expect(() => ltvCacBreakdown(hand, 0)).toThrow(RangeError);
    expect(() => ltvCacBreakdown(hand, 1.2)).toThrow(RangeError);
    expect(() => ltvCacBreakdown(hand, Number.NaN)).toThrow(RangeError);
    expect(() => ltvCacBreakdown({ ...hand, churnedCustomers: 101 }, 0.8)).toThrow(RangeError);
  });
});
