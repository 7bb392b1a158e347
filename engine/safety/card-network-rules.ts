// Card-network retry rules: may this card be retried now, given the network's advice and its recent retries?
//
// Defaults (DEFAULT_CARD_NETWORK_RULES), as Visa and Mastercard enforce them and Recurly and Stripe apply them:
//   - a hard decline (engine/detectors/decline-codes.ts) is never retried;
//   - a network "do not retry" advice is final: Mastercard merchant advice codes 03 (do not try again) and
//     21 (payment cancelled / stop recurring), honoured whatever the brand the card reports;
//   - Visa: never after a Category 1 response code ("issuer will never approve": 04, 07, 12, 14, 15, 41, 43, 46,
//     57, R0, R1, R3); otherwise at most 15 retries of one card in 30 days;
//   - Mastercard: at most 10 retries of one card in 24 hours and 35 in 30 days;
//   - any other or unknown brand: the stricter of both, 10 in 24 hours and 15 in 30 days.
// Windows are rolling and end now; a retry is admitted only while fewer than the cap lie in the window, so the
// admitted retry itself never takes a window above its cap. "One card" is the payment method when known, else
// the subscription, else whatever history the caller passed.
import { z } from 'zod';
import { classifyDecline, normalizeDeclineCode } from '../detectors/decline-codes';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export type CardNetwork = 'visa' | 'mastercard' | 'other';

/** The name of the rule that blocked a retry (stable: it lands in gate decisions and the audit log). */
export type CardNetworkRule =
  | 'hard_decline'
  | 'network_advice_do_not_retry'
  | 'visa_do_not_retry_category'
  | 'visa_30d_cap'
  | 'mastercard_24h_cap'
  | 'mastercard_30d_cap'
  | 'other_24h_cap'
  | 'other_30d_cap';

const cap = z
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be 0 or more')
  .max(1000, 'must be at most 1000');
const networkCode = z
  .string({ error: 'must be a string' })
  .trim()
  .regex(/^[A-Za-z0-9]{1,4}$/, 'must be a network code of 1–4 letters or digits');

export const cardNetworkRulesSchema = z
  .strictObject({
    visa: z.strictObject({
      maxRetries30d: cap.describe('Retries of one Visa card allowed in any 30 days'),
      doNotRetryResponseCodes: z
        .array(networkCode)
        .describe('Visa response codes of Category 1 (issuer will never approve): never retried'),
    }),
    mastercard: z.strictObject({
      maxRetries24h: cap.describe('Retries of one Mastercard allowed in any 24 hours'),
      maxRetries30d: cap.describe('Retries of one Mastercard allowed in any 30 days'),
    }),
    other: z.strictObject({ maxRetries24h: cap, maxRetries30d: cap }).describe('Caps for any other or unknown brand'),
    doNotRetryAdviceCodes: z
      .array(networkCode)
      .describe('Network advice codes that forbid any retry (Mastercard merchant advice codes 03 and 21)'),
  })
  .describe('Card-network retry rules (policy card_network_rules)');

export type CardNetworkRules = z.infer<typeof cardNetworkRulesSchema>;

export const DEFAULT_CARD_NETWORK_RULES: CardNetworkRules = {
  visa: {
    maxRetries30d: 15,
    doNotRetryResponseCodes: ['04', '07', '12', '14', '15', '41', '43', '46', '57', 'R0', 'R1', 'R3'],
  },
  mastercard: { maxRetries24h: 10, maxRetries30d: 35 },
  other: { maxRetries24h: 10, maxRetries30d: 15 },
  doNotRetryAdviceCodes: ['03', '21'],
};

/** One earlier retry of a card. */
export interface CardRetryAttempt {
  at: Date;
  paymentMethodRef: string | null;
  subscriptionId: number | null;
}

export interface CardRetryQuery {
  /** As the provider reports it: 'visa', 'mastercard' (also 'master', 'mc'), 'amex', …; null when unknown. */
  cardBrand: string | null;
  paymentMethodRef: string | null;
  subscriptionId: number | null;
  /** The network's advice on the last decline (Mastercard merchant advice code), if any. */
  adviceCode: string | null;
  /** The provider's decline code of the last attempt (e.g. insufficient_funds). */
  declineCode: string | null;
  /** The network's raw response code of the last decline (e.g. Visa '05'), if any. */
  networkDeclineCode?: string | null;
  /** Earlier retries; those of other cards are ignored. */
  history: readonly CardRetryAttempt[];
  now: Date;
}

export type CardRetryVerdict = { allowed: true } | { allowed: false; rule: CardNetworkRule; reason: string };

export function cardNetworkOf(brand: string | null | undefined): CardNetwork {
  const b = (brand ?? '').toLowerCase().replace(/[^a-z]/g, '');
  if (b === 'visa') return 'visa';
  if (b === 'mastercard' || b === 'master' || b === 'mc') return 'mastercard';
  return 'other';
}

function normalizeCode(code: string | null | undefined): string | null {
  const c = (code ?? '').trim().toUpperCase();
  return c === '' ? null : c;
}

/** Whether an earlier attempt was on the queried card. */
function sameCard(a: CardRetryAttempt, q: CardRetryQuery): boolean {
  if (q.paymentMethodRef != null) {
    if (a.paymentMethodRef != null) return a.paymentMethodRef === q.paymentMethodRef;
    return q.subscriptionId != null && a.subscriptionId === q.subscriptionId;
  }
  if (q.subscriptionId != null) return a.subscriptionId === q.subscriptionId;
  return true;
}

function windowCaps(network: CardNetwork, rules: CardNetworkRules) {
  switch (network) {
    case 'visa':
      return [{ rule: 'visa_30d_cap', ms: 30 * DAY_MS, max: rules.visa.maxRetries30d, label: '30 days' }] as const;
    case 'mastercard':
      return [
        { rule: 'mastercard_24h_cap', ms: DAY_MS, max: rules.mastercard.maxRetries24h, label: '24 hours' },
        { rule: 'mastercard_30d_cap', ms: 30 * DAY_MS, max: rules.mastercard.maxRetries30d, label: '30 days' },
      ] as const;
    case 'other':
      return [
        { rule: 'other_24h_cap', ms: DAY_MS, max: rules.other.maxRetries24h, label: '24 hours' },
        { rule: 'other_30d_cap', ms: 30 * DAY_MS, max: rules.other.maxRetries30d, label: '30 days' },
      ] as const;
  }
}

/** Allowed, or the first rule that forbids retrying this card now (final rules before caps). */
export function checkCardRetry(
  q: CardRetryQuery,
  rules: CardNetworkRules = DEFAULT_CARD_NETWORK_RULES,
): CardRetryVerdict {
  if (classifyDecline(q.declineCode) === 'hard') {
    return {
      allowed: false,
      rule: 'hard_decline',
      reason: `hard decline (${normalizeDeclineCode(q.declineCode)}): never retried`,
    };
  }
  const advice = normalizeCode(q.adviceCode);
  if (advice && rules.doNotRetryAdviceCodes.map(normalizeCode).includes(advice)) {
    return {
      allowed: false,
      rule: 'network_advice_do_not_retry',
      reason: `the card network advised not to retry (advice code ${advice})`,
    };
  }
  const network = cardNetworkOf(q.cardBrand);
  const response = normalizeCode(q.networkDeclineCode);
  if (network === 'visa' && response && rules.visa.doNotRetryResponseCodes.map(normalizeCode).includes(response)) {
    return {
      allowed: false,
      rule: 'visa_do_not_retry_category',
      reason: `Visa response code ${response} is in a do-not-retry category (issuer will never approve)`,
    };
  }
  const now = q.now.getTime();
  const card = q.history.filter((a) => sameCard(a, q));
  for (const w of windowCaps(network, rules)) {
    // Attempts dated after now (clock skew) still count: they are inside any window ending now or later.
    const inWindow = card.filter((a) => a.at.getTime() > now - w.ms).length;
    if (inWindow >= w.max) {
      return {
        allowed: false,
        rule: w.rule,
        reason: `${network} allows ${w.max} retries of one card in ${w.label}; this card had ${inWindow}`,
      };
    }
  }
  return { allowed: true };
}
