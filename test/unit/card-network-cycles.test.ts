// The card-network gate as the payment-retry path uses it (engine/safety/card-retry-history.ts,
// engine/safety/gates.ts): what a retry is asked from plain rows, the platform's own retries, the blocked
// verdict with the rule's name, and a property over whole sequences of cycles — payments sharing cards,
// the platform retrying on its own in between, the network answering with advice — that no admitted retry
// ever takes any card above a cap in any window.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES, type Policies } from '../../engine/safety/config-schema';
import {
  cardNetworkOf,
  DEFAULT_CARD_NETWORK_RULES,
  type CardRetryAttempt,
} from '../../engine/safety/card-network-rules';
import {
  CARD_HISTORY_MS,
  cardRetryQuery,
  platformRetries,
  retryCardOf,
  type LatestRetryAdvice,
  type RetryCard,
} from '../../engine/safety/card-retry-history';
import { cardNetworkGate, evaluateGates } from '../../engine/safety/gates';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date('2026-11-20T12:00:00Z');
const POLICIES: Policies = { ...DEFAULT_POLICIES, type_caps: { default: 1_000_000 } };
const THRESHOLDS = { 'gate.healing': 0.75 };

function card(over: Partial<RetryCard> = {}): RetryCard {
  return {
    paymentId: 1,
    subscriptionId: 10,
    cardBrand: 'mastercard',
    paymentMethodRef: 'pm_1',
    adviceCode: null,
    declineCode: 'insufficient_funds',
    ...over,
  };
}

/** The full planning verdict of one retry (every gate), as processPlans computes it. */
function decide(c: RetryCard, history: CardRetryAttempt[], now: Date, latest?: LatestRetryAdvice | null) {
  return evaluateGates({
    plan: { type: 'retry_payment', gateClass: 'healing', executable: true, detectionConfidence: 1, targetId: '1' },
    posterior: { alpha: 200, beta: 1 },
    thresholds: THRESHOLDS,
    policies: POLICIES,
    counters: {
      typeAdmittedInCycle: 0,
      recentContactsForUser: 0,
      recentFailuresForType: 0,
      now,
      cardRetry: cardRetryQuery(c, history, now, latest ?? null),
    },
  });
}

describe('the card of a retry', () => {
  it('reads plan params and payment rows alike; blank is unknown', () => {
    const params = { paymentId: 7, subscriptionId: 3, cardBrand: 'visa', paymentMethodRef: 'pm_9', adviceCode: '' };
    expect(retryCardOf({ ...params, failureCode: 'do_not_honor' })).toEqual({
      paymentId: 7,
      subscriptionId: 3,
      cardBrand: 'visa',
      paymentMethodRef: 'pm_9',
      adviceCode: null,
      declineCode: 'do_not_honor',
    });
    expect(retryCardOf({ id: '7', subscription_id: '3', card_brand: null, failure_code: null })).toMatchObject({
      paymentId: 7,
      subscriptionId: 3,
      cardBrand: null,
      paymentMethodRef: null,
    });
  });

  it("a Visa row's advice_code is Visa's response code; any other brand's a merchant advice code", () => {
    expect(cardRetryQuery(card({ cardBrand: 'visa', adviceCode: 'R1' }), [], NOW)).toMatchObject({
      adviceCode: null,
      networkDeclineCode: 'R1',
    });
    expect(cardRetryQuery(card({ adviceCode: '21' }), [], NOW)).toMatchObject({
      adviceCode: '21',
      networkDeclineCode: null,
    });
  });

  it("the engine's own declined retry speaks for the network when it answered after the row's last attempt", () => {
    const latest = {
      completedAt: '2026-11-20T10:00:00Z',
      adviceCode: '03',
      networkDeclineCode: '05',
      failureCode: 'do_not_honor',
    };
    expect(cardRetryQuery(card(), [], NOW, latest, '2026-11-20T09:59:00Z')).toMatchObject({
      adviceCode: '03',
      networkDeclineCode: '05',
      declineCode: 'do_not_honor',
    });
    // The platform retried after the engine: its row is the newer answer.
    expect(cardRetryQuery(card({ adviceCode: '02' }), [], NOW, latest, '2026-11-20T11:00:00Z')).toMatchObject({
      adviceCode: '02',
      declineCode: 'insufficient_funds',
    });
  });
});

describe("the platform's own retries", () => {
  it('attempts beyond the first charge that the engine did not send, dated at the last attempt', () => {
    const rows = [
      {
        paymentId: 1,
        subscriptionId: 10,
        paymentMethodRef: 'pm_1',
        attemptCount: 4,
        attemptedAt: '2026-11-19T00:00:00Z',
      },
      {
        paymentId: 2,
        subscriptionId: 10,
        paymentMethodRef: 'pm_1',
        attemptCount: 2,
        attemptedAt: '2026-11-18T00:00:00Z',
      },
      {
        paymentId: 3,
        subscriptionId: 11,
        paymentMethodRef: null,
        attemptCount: 1,
        attemptedAt: '2026-11-18T00:00:00Z',
      },
    ];
    const out = platformRetries(
      rows,
      new Map([
        [1, 1],
        [2, 5],
      ]),
    );
    expect(out).toHaveLength(2);
    expect(out.every((a) => a.at.toISOString() === '2026-11-19T00:00:00.000Z' && a.paymentMethodRef === 'pm_1')).toBe(
      true,
    );
  });
});

describe('the gate', () => {
  it('blocks with the rule name first in the reason, and passes within the rules', () => {
    const blocked = decide(card({ adviceCode: '03' }), [], NOW);
    expect(blocked.verdict).toBe('blocked');
    expect(blocked.reason).toBe('network_advice_do_not_retry: the card network advised not to retry (advice code 03)');
    expect(blocked.outcomes.find((o) => o.gate === 'card_network')).toMatchObject({
      passed: false,
      details: { rule: 'network_advice_do_not_retry', network: 'mastercard', card: 'pm_1' },
    });
    const tenToday = Array.from({ length: 10 }, (_, i) => ({
      at: new Date(NOW.getTime() - (i + 1) * HOUR),
      paymentMethodRef: 'pm_1',
      subscriptionId: 10,
    }));
    expect(decide(card(), tenToday, NOW).reason).toMatch(/^mastercard_24h_cap: /);
    expect(decide(card({ cardBrand: 'visa', adviceCode: '14' }), [], NOW).reason).toMatch(
      /^visa_do_not_retry_category: /,
    );
    expect(decide(card(), tenToday.slice(1), NOW).verdict).toBe('execute');
    expect(cardNetworkGate(cardRetryQuery(card(), [], NOW), POLICIES)).toMatchObject({
      gate: 'card_network',
      passed: true,
    });
  });
});

// ------------------------------------------------------------------ the property over cycles

const CARDS = [
  { paymentMethodRef: 'pm_a', brand: 'visa' },
  { paymentMethodRef: 'pm_b', brand: 'mastercard' },
  { paymentMethodRef: null, brand: 'amex' }, // unknown payment method: counted per subscription
] as const;

interface Payment {
  id: number;
  card: 0 | 1 | 2;
  subscriptionId: number;
}

const PAYMENTS: Payment[] = [
  { id: 1, card: 0, subscriptionId: 10 },
  { id: 2, card: 0, subscriptionId: 11 }, // pm_a shared by two subscriptions
  { id: 3, card: 0, subscriptionId: 10 },
  { id: 4, card: 1, subscriptionId: 12 },
  { id: 5, card: 1, subscriptionId: 12 },
  { id: 6, card: 2, subscriptionId: 13 },
  { id: 7, card: 2, subscriptionId: 13 },
];

function capsOf(brand: string) {
  const r = DEFAULT_CARD_NETWORK_RULES;
  const n = cardNetworkOf(brand);
  return n === 'visa'
    ? [{ ms: 30 * DAY, max: r.visa.maxRetries30d }]
    : n === 'mastercard'
      ? [
          { ms: DAY, max: r.mastercard.maxRetries24h },
          { ms: 30 * DAY, max: r.mastercard.maxRetries30d },
        ]
      : [
          { ms: DAY, max: r.other.maxRetries24h },
          { ms: 30 * DAY, max: r.other.maxRetries30d },
        ];
}

/** Which card an attempt was on, as the rules identify it: payment method, else subscription. */
const cardKey = (a: { paymentMethodRef: string | null; subscriptionId: number | null }) =>
  a.paymentMethodRef ?? `sub:${a.subscriptionId}`;

describe('property: no sequence of cycles takes a card above a cap', () => {
  it('with shared cards, the platform retrying in between and network advice arriving', () => {
    const cycle = fc.record({
      // Time since the previous cycle: from back-to-back runs to a quiet week.
      gapMs: fc.oneof(
        fc.integer({ min: 0, max: HOUR }),
        fc.integer({ min: 0, max: 8 * HOUR }),
        fc.integer({ min: 0, max: 7 * DAY }),
      ),
      // Which failed payments the planner offers this cycle (a payment may be offered again next cycle).
      offered: fc.subarray(PAYMENTS.map((p) => p.id)),
      // Retries the platform ran on its own since the last cycle, per payment.
      platform: fc.array(fc.record({ payment: fc.integer({ min: 1, max: 7 }), n: fc.integer({ min: 0, max: 3 }) }), {
        maxLength: 3,
      }),
      // Some retries come back with a merchant advice code.
      advice: fc.constantFrom(null, null, null, '02', '03', '21'),
    });
    const rulesSeen = new Set<string>();
    fc.assert(
      fc.property(fc.array(cycle, { minLength: 1, maxLength: 60 }), (cycles) => {
        const toldNotToRetry = new Set<number>();
        let t = NOW.getTime();
        const attempts: Array<CardRetryAttempt & { engine: boolean }> = [];
        const attemptCount = new Map<number, number>(PAYMENTS.map((p) => [p.id, 1]));
        const engineCount = new Map<number, number>();
        const lastAttempt = new Map<number, string>();
        const advice = new Map<number, LatestRetryAdvice>();
        for (const c of cycles) {
          t += c.gapMs;
          const now = new Date(t);
          // The platform's own retries since the last cycle, in the order they happened: before this cycle's.
          for (const pr of c.platform) {
            const p = PAYMENTS[pr.payment - 1]!;
            attemptCount.set(p.id, attemptCount.get(p.id)! + pr.n);
            if (pr.n) lastAttempt.set(p.id, new Date(t - 1).toISOString());
            for (let i = 0; i < pr.n; i++)
              attempts.push({
                at: new Date(t - 1),
                paymentMethodRef: CARDS[p.card].paymentMethodRef,
                subscriptionId: p.subscriptionId,
                engine: false,
              });
          }
          // The history the cycle loads: the engine's sent retries and the platform's own (as the db would).
          const since = t - CARD_HISTORY_MS;
          const engineHistory = attempts.filter((a) => a.engine && a.at.getTime() >= since);
          const platformRows = PAYMENTS.filter(
            (p) => attemptCount.get(p.id)! > 1 && lastAttempt.has(p.id) && Date.parse(lastAttempt.get(p.id)!) >= since,
          ).map((p) => ({
            paymentId: p.id,
            subscriptionId: p.subscriptionId,
            paymentMethodRef: CARDS[p.card].paymentMethodRef,
            attemptCount: attemptCount.get(p.id)!,
            attemptedAt: lastAttempt.get(p.id)!,
          }));
          const history = [...engineHistory, ...platformRetries(platformRows, engineCount)];
          const inCycle: CardRetryAttempt[] = [];
          for (const id of c.offered) {
            const p = PAYMENTS[id - 1]!;
            const rc = card({
              paymentId: id,
              subscriptionId: p.subscriptionId,
              cardBrand: CARDS[p.card].brand,
              paymentMethodRef: CARDS[p.card].paymentMethodRef,
            });
            const v = decide(rc, [...history, ...inCycle], now, advice.get(id) ?? null);
            if (v.verdict !== 'execute') {
              const gate = v.outcomes.find((o) => !o.passed)!;
              if (gate.gate !== 'card_network' || !v.reason.startsWith(`${String(gate.details?.rule)}: `)) return false;
              rulesSeen.add(String(gate.details?.rule));
              continue;
            }
            if (toldNotToRetry.has(id)) return false;
            // Admitted: it is sent, the network may answer with advice, and the platform's row moves on.
            const a = { at: now, paymentMethodRef: rc.paymentMethodRef, subscriptionId: rc.subscriptionId };
            inCycle.push(a);
            attempts.push({ ...a, engine: true });
            attemptCount.set(id, attemptCount.get(id)! + 1);
            engineCount.set(id, (engineCount.get(id) ?? 0) + 1);
            lastAttempt.set(id, now.toISOString());
            if (c.advice)
              advice.set(id, {
                completedAt: now.toISOString(),
                adviceCode: c.advice,
                networkDeclineCode: null,
                failureCode: null,
              });
            if (c.advice === '03' || c.advice === '21') toldNotToRetry.add(id);
          }
        }
        // Every engine retry saw fewer than the cap of earlier attempts (its own and the platform's, in the order
        // they happened) on its card in each window ending at it: so the engine never took a window above its cap.
        // By order, not timestamp: with no time between two cycles, the platform's retries in between are dated
        // just before the cycle, which can be before an engine retry of the previous cycle at the same instant.
        for (const [i, a] of attempts.entries()) {
          if (!a.engine) continue;
          const payment = PAYMENTS.find(
            (p) => CARDS[p.card].paymentMethodRef === a.paymentMethodRef && p.subscriptionId === a.subscriptionId,
          )!;
          for (const w of capsOf(CARDS[payment.card].brand)) {
            const before = attempts.filter(
              (b, j) => j !== i && cardKey(b) === cardKey(a) && j < i && b.at.getTime() > a.at.getTime() - w.ms,
            ).length;
            if (before >= w.max) return false;
          }
        }
        return true;
      }),
      { numRuns: 200 },
    );
    // Not vacuous: the generated cycles reach every cap and the advice rule.
    expect([...rulesSeen].sort()).toEqual(
      expect.arrayContaining(['mastercard_24h_cap', 'network_advice_do_not_retry', 'other_24h_cap', 'visa_30d_cap']),
    );
  });
});
