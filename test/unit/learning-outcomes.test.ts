// Outcome rules: due times per action type and the Beta posterior arithmetic of measured outcomes.
import { describe, expect, it } from 'vitest';
import {
  expectedSuccessRate,
  isMeasuredActionType,
  isOutcomeSuccess,
  OUTCOME_RULES,
  outcomeDueAt,
  priorOf,
  updatePosterior,
} from '../../engine/learning/outcomes';

const t = new Date('2026-11-01T12:00:00Z');

describe('outcomeDueAt', () => {
  it('closes each window after executed_at: nudge and campaigns 7d, upgrade 14d, payment retry 1d', () => {
    expect(outcomeDueAt('onboarding_nudge', t)?.toISOString()).toBe('2026-11-08T12:00:00.000Z');
    expect(outcomeDueAt('retention_campaign', t)?.toISOString()).toBe('2026-11-08T12:00:00.000Z');
    expect(outcomeDueAt('proactive_retention', t)?.toISOString()).toBe('2026-11-08T12:00:00.000Z');
    expect(outcomeDueAt('upgrade_offer', t)?.toISOString()).toBe('2026-11-15T12:00:00.000Z');
    expect(outcomeDueAt('retry_payment', t)?.toISOString()).toBe('2026-11-02T12:00:00.000Z');
  });

  it('types without a success signal have no due time', () => {
    expect(outcomeDueAt('data_fix_review', t)).toBeNull();
    expect(outcomeDueAt('funnel_recommendation', t)).toBeNull();
    expect(isMeasuredActionType('normalize_email')).toBe(false);
    expect(isMeasuredActionType('upgrade_offer')).toBe(true);
  });
});

describe('posterior update', () => {
  it('Beta(1,1) + 3 successes, 1 failure = Beta(4, 2); priorOf inverts it', () => {
    const post = updatePosterior({ alpha: 1, beta: 1 }, { success: 3, failure: 1 });
    expect(post).toEqual({ alpha: 4, beta: 2 });
    expect(priorOf(post, { success: 3, failure: 1 })).toEqual({ alpha: 1, beta: 1 });
    expect(expectedSuccessRate(post)).toBeCloseTo(2 / 3, 12);
    expect(() => updatePosterior({ alpha: 1, beta: 1 }, { success: -1, failure: 0 })).toThrow(RangeError);
  });
});

describe('isOutcomeSuccess', () => {
  const at = new Date('2026-11-01T00:00:00Z');
  const plus = (days: number) => new Date(at.getTime() + days * 86_400_000);

  it('judges each signal on its closed window', () => {
    const nudge = OUTCOME_RULES.onboarding_nudge;
    expect(isOutcomeSuccess(nudge, at, { activatedAt: plus(7) })).toBe(true);
    expect(isOutcomeSuccess(nudge, at, { activatedAt: plus(7.0001) })).toBe(false);
    expect(isOutcomeSuccess(nudge, at, { activatedAt: plus(-1) })).toBe(false);
    expect(isOutcomeSuccess(nudge, at, { activatedAt: null })).toBe(false);
    const campaign = OUTCOME_RULES.retention_campaign;
    expect(isOutcomeSuccess(campaign, at, { eventTimes: [plus(-0.1), plus(3)] })).toBe(true);
    expect(isOutcomeSuccess(campaign, at, { eventTimes: [plus(-0.1), plus(8)] })).toBe(false);
    const retry = OUTCOME_RULES.retry_payment;
    expect(isOutcomeSuccess(retry, at, { paymentStatus: 'succeeded' })).toBe(true);
    expect(isOutcomeSuccess(retry, at, { paymentStatus: null })).toBe(false);
  });

  it('counts an upgrade only above what the user was paying at the offer', () => {
    const offer = OUTCOME_RULES.upgrade_offer;
    const sub = (status: string, mrrCents: number, started: number, canceled: number | null = null) => ({
      status,
      mrrCents,
      startedAt: plus(started),
      canceledAt: canceled == null ? null : plus(canceled),
    });
    expect(
      isOutcomeSuccess(offer, at, { subscriptions: [sub('canceled', 2900, -30, 2), sub('active', 9900, 2)] }),
    ).toBe(true);
    expect(isOutcomeSuccess(offer, at, { subscriptions: [sub('active', 9900, -30), sub('active', 2900, 2)] })).toBe(
      false,
    );
    expect(isOutcomeSuccess(offer, at, { subscriptions: [sub('trialing', 9900, 2)] })).toBe(false);
    expect(isOutcomeSuccess(offer, at, { subscriptions: [sub('active', 2900, 14)] })).toBe(true);
  });
});
