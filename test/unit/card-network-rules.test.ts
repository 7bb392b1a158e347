// Card-network retry rules: final refusals, rolling caps per brand and card, the policy schema, and a property
// test that no sequence of admitted retries ever exceeds a cap in any window.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cardNetworkOf,
  cardNetworkRulesSchema,
  checkCardRetry,
  DEFAULT_CARD_NETWORK_RULES,
  type CardRetryAttempt,
  type CardRetryQuery,
} from '../../engine/safety/card-network-rules';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date('2026-11-20T12:00:00Z');

function query(over: Partial<CardRetryQuery> = {}): CardRetryQuery {
  return {
    cardBrand: 'visa',
    paymentMethodRef: 'pm_1',
    subscriptionId: 10,
    adviceCode: null,
    declineCode: 'insufficient_funds',
    networkDeclineCode: null,
    history: [],
    now: NOW,
    ...over,
  };
}

/** n retries of card pm_1, `gapMs` apart, the last one `lastAgoMs` before NOW. */
function retries(n: number, gapMs: number, lastAgoMs = HOUR, card = 'pm_1'): CardRetryAttempt[] {
  return Array.from({ length: n }, (_, i) => ({
    at: new Date(NOW.getTime() - lastAgoMs - (n - 1 - i) * gapMs),
    paymentMethodRef: card,
    subscriptionId: 10,
  }));
}

describe('final refusals', () => {
  it('never retries a hard decline, whatever the history', () => {
    expect(checkCardRetry(query({ declineCode: 'stolen_card' }))).toMatchObject({
      allowed: false,
      rule: 'hard_decline',
    });
    expect(checkCardRetry(query({ declineCode: ' Expired_Card ', cardBrand: 'mastercard' }))).toMatchObject({
      rule: 'hard_decline',
    });
  });

  it('honours Mastercard merchant advice codes 03 and 21, but not 02 (try later)', () => {
    for (const adviceCode of ['03', '21', ' 03 '])
      expect(checkCardRetry(query({ cardBrand: 'mastercard', adviceCode }))).toMatchObject({
        allowed: false,
        rule: 'network_advice_do_not_retry',
      });
    expect(checkCardRetry(query({ cardBrand: 'mastercard', adviceCode: '02' }))).toEqual({ allowed: true });
    expect(checkCardRetry(query({ cardBrand: 'mastercard', adviceCode: '01' }))).toEqual({ allowed: true });
  });

  it('never retries a Visa Category 1 response code; a Category 2 code (51) may be retried', () => {
    for (const networkDeclineCode of ['04', '14', '41', '43', '46', '57', 'r0', 'R1', 'R3'])
      expect(checkCardRetry(query({ networkDeclineCode }))).toMatchObject({
        allowed: false,
        rule: 'visa_do_not_retry_category',
      });
    expect(checkCardRetry(query({ networkDeclineCode: '51' }))).toEqual({ allowed: true });
    // Category 1 is Visa's: a Mastercard response code 14 is left to the caps.
    expect(checkCardRetry(query({ cardBrand: 'mastercard', networkDeclineCode: '14' }))).toEqual({ allowed: true });
  });
});

describe('caps', () => {
  it('Visa: the 15th retry in 30 days is allowed, the 16th is not; older ones fall out of the window', () => {
    expect(checkCardRetry(query({ history: retries(14, DAY) }))).toEqual({ allowed: true });
    const blocked = checkCardRetry(query({ history: retries(15, DAY) }));
    expect(blocked).toMatchObject({ allowed: false, rule: 'visa_30d_cap' });
    expect(blocked.allowed === false && blocked.reason).toBe(
      'visa allows 15 retries of one card in 30 days; this card had 15',
    );
    // The oldest of 15 daily retries is 30 days old (exactly at the window's edge): no longer counted.
    expect(checkCardRetry(query({ history: retries(15, DAY, 16 * DAY) }))).toEqual({ allowed: true });
    // Visa has no 24-hour cap of its own: 14 retries in an hour are still allowed.
    expect(checkCardRetry(query({ history: retries(14, 60_000) }))).toEqual({ allowed: true });
  });

  it('Mastercard: 10 in 24 hours and 35 in 30 days', () => {
    const mc = (history: CardRetryAttempt[]) => checkCardRetry(query({ cardBrand: 'MasterCard', history }));
    expect(mc(retries(9, HOUR))).toEqual({ allowed: true });
    expect(mc(retries(10, HOUR))).toMatchObject({ allowed: false, rule: 'mastercard_24h_cap' });
    expect(mc(retries(10, HOUR, DAY))).toEqual({ allowed: true });
    expect(mc(retries(34, 20 * HOUR))).toEqual({ allowed: true });
    expect(mc(retries(35, 20 * HOUR))).toMatchObject({ allowed: false, rule: 'mastercard_30d_cap' });
  });

  it('other and unknown brands get the stricter of both', () => {
    expect(checkCardRetry(query({ cardBrand: 'amex', history: retries(10, HOUR) }))).toMatchObject({
      rule: 'other_24h_cap',
    });
    expect(checkCardRetry(query({ cardBrand: null, history: retries(15, DAY) }))).toMatchObject({
      rule: 'other_30d_cap',
    });
  });

  it('counts only the same card: by payment method, else by subscription', () => {
    const other = retries(15, DAY, HOUR, 'pm_other');
    expect(checkCardRetry(query({ history: other }))).toEqual({ allowed: true });
    // Without a payment method on the query, the subscription decides.
    expect(checkCardRetry(query({ paymentMethodRef: null, history: other }))).toMatchObject({ rule: 'visa_30d_cap' });
    expect(checkCardRetry(query({ paymentMethodRef: null, subscriptionId: 11, history: other }))).toEqual({
      allowed: true,
    });
    // An earlier attempt recorded without a payment method counts when it is on the same subscription.
    const unknownMethod = retries(15, DAY).map((a) => ({ ...a, paymentMethodRef: null }));
    expect(checkCardRetry(query({ history: unknownMethod }))).toMatchObject({ rule: 'visa_30d_cap' });
  });

  it('an attempt dated in the future (clock skew) still counts', () => {
    const future = [
      ...retries(14, DAY),
      { at: new Date(NOW.getTime() + HOUR), paymentMethodRef: 'pm_1', subscriptionId: 10 },
    ];
    expect(checkCardRetry(query({ history: future }))).toMatchObject({ rule: 'visa_30d_cap' });
  });

  it('reads brands the way providers spell them', () => {
    expect(['visa', 'Visa', 'VISA'].map(cardNetworkOf)).toEqual(['visa', 'visa', 'visa']);
    expect(['mastercard', 'master', 'MC', 'Master Card'].map(cardNetworkOf)).toEqual(Array(4).fill('mastercard'));
    expect(['amex', 'discover', '', null].map(cardNetworkOf)).toEqual(Array(4).fill('other'));
  });
});

describe('policy schema', () => {
  it('accepts the defaults and rejects bad caps and codes', () => {
    expect(cardNetworkRulesSchema.parse(DEFAULT_CARD_NETWORK_RULES)).toEqual(DEFAULT_CARD_NETWORK_RULES);
    const bad = { ...DEFAULT_CARD_NETWORK_RULES, visa: { ...DEFAULT_CARD_NETWORK_RULES.visa, maxRetries30d: -1 } };
    const r = cardNetworkRulesSchema.safeParse(bad);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ['visa', 'maxRetries30d'], message: 'must be 0 or more' });
    expect(
      cardNetworkRulesSchema.safeParse({ ...DEFAULT_CARD_NETWORK_RULES, doNotRetryAdviceCodes: ['0 3'] }).success,
    ).toBe(false);
    expect(cardNetworkRulesSchema.safeParse({ ...DEFAULT_CARD_NETWORK_RULES, extra: 1 }).success).toBe(false);
  });

  it('a custom policy is applied', () => {
    const strict = { ...DEFAULT_CARD_NETWORK_RULES, visa: { ...DEFAULT_CARD_NETWORK_RULES.visa, maxRetries30d: 2 } };
    expect(checkCardRetry(query({ history: retries(2, DAY) }), strict)).toMatchObject({ rule: 'visa_30d_cap' });
  });
});

describe('property: admitted retries never exceed a cap', () => {
  const windows = (brand: string) =>
    cardNetworkOf(brand) === 'visa'
      ? [{ ms: 30 * DAY, max: 15 }]
      : cardNetworkOf(brand) === 'mastercard'
        ? [
            { ms: DAY, max: 10 },
            { ms: 30 * DAY, max: 35 },
          ]
        : [
            { ms: DAY, max: 10 },
            { ms: 30 * DAY, max: 15 },
          ];

  it('for any brand and any sequence of requested retry times, every window holds at most its cap', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('visa', 'mastercard', 'amex', null),
        // Gaps between requests: mostly bursts (minutes) so caps are reached, with pauses of hours to days.
        fc.array(
          fc.oneof(
            { arbitrary: fc.integer({ min: 0, max: HOUR }), weight: 4 },
            { arbitrary: fc.integer({ min: 0, max: DAY }), weight: 2 },
            { arbitrary: fc.integer({ min: 0, max: 5 * DAY }), weight: 1 },
          ),
          { minLength: 1, maxLength: 150, size: 'max' },
        ),
        fc.array(fc.constantFrom('pm_a', 'pm_b'), { minLength: 150, maxLength: 150 }),
        (brand, gaps, cards) => {
          let t = NOW.getTime();
          const admitted: CardRetryAttempt[] = [];
          gaps.forEach((gap, i) => {
            t += gap;
            const card = cards[i]!;
            const v = checkCardRetry(
              query({ cardBrand: brand, paymentMethodRef: card, history: admitted, now: new Date(t) }),
            );
            if (v.allowed) admitted.push({ at: new Date(t), paymentMethodRef: card, subscriptionId: 10 });
          });
          for (const card of ['pm_a', 'pm_b']) {
            const times = admitted.filter((a) => a.paymentMethodRef === card).map((a) => a.at.getTime());
            for (const w of windows(brand ?? ''))
              for (const start of times) {
                // Every window [start, start + w) beginning at an admitted retry (the densest ones).
                const inside = times.filter((x) => x >= start && x < start + w.ms).length;
                if (inside > w.max) return false;
              }
          }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never admits anything after a final refusal code, whatever the history', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('visa', 'mastercard', 'amex'),
        fc.constantFrom('03', '21'),
        fc.array(fc.integer({ min: 1, max: 60 * DAY }), { maxLength: 20 }),
        (brand, adviceCode, agos) => {
          const history = agos.map((ago) => ({
            at: new Date(NOW.getTime() - ago),
            paymentMethodRef: 'pm_1',
            subscriptionId: 10,
          }));
          return !checkCardRetry(query({ cardBrand: brand, adviceCode, history })).allowed;
        },
      ),
    );
  });
});
