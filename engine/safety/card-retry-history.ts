// What the card-network rules (card-network-rules.ts) are asked about a payment retry, assembled from plain
// rows: the card (brand, payment method, subscription), the network's latest advice, and the card's earlier
// retries — the engine's own (one per retry it sent) and the platform's (attempts beyond the first charge
// that the engine did not send, dated at the payment's last attempt: the latest they can have been).
import { cardNetworkOf, type CardRetryAttempt, type CardRetryQuery } from './card-network-rules';

/** The longest rolling window any rule counts in: history older than this never matters. */
export const CARD_HISTORY_MS = 30 * 86_400_000;

export interface RetryCard {
  paymentId: number;
  subscriptionId: number | null;
  cardBrand: string | null;
  paymentMethodRef: string | null;
  /** app.payments.advice_code: a Mastercard merchant advice code, or Visa's response code to the last decline. */
  adviceCode: string | null;
  declineCode: string | null;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);
const id = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
};

/** The card of a retry_payment plan's params (engine/planning/heal.ts), or of a payment row's columns. */
export function retryCardOf(p: Record<string, unknown>): RetryCard {
  return {
    paymentId: id(p.paymentId ?? p.id) ?? 0,
    subscriptionId: id(p.subscriptionId ?? p.subscription_id),
    cardBrand: text(p.cardBrand ?? p.card_brand),
    paymentMethodRef: text(p.paymentMethodRef ?? p.payment_method_ref),
    adviceCode: text(p.adviceCode ?? p.advice_code),
    declineCode: text(p.failureCode ?? p.failure_code),
  };
}

/** The engine's declined retry newer than the platform's last attempt speaks for the network. */
export interface LatestRetryAdvice {
  completedAt: string;
  adviceCode: string | null;
  networkDeclineCode: string | null;
  failureCode: string | null;
}

export interface PlatformPaymentAttempts {
  paymentId: number;
  subscriptionId: number;
  paymentMethodRef: string | null;
  attemptCount: number;
  attemptedAt: string;
}

/** The platform's own retries: attempt_count − 1 (the first charge) − the engine's retries, each at attempted_at. */
export function platformRetries(
  payments: readonly PlatformPaymentAttempts[],
  engineRetriesByPayment: ReadonlyMap<number, number>,
): CardRetryAttempt[] {
  const out: CardRetryAttempt[] = [];
  for (const p of payments) {
    const n = Math.max(0, p.attemptCount - 1 - (engineRetriesByPayment.get(p.paymentId) ?? 0));
    for (let i = 0; i < n; i++)
      out.push({ at: new Date(p.attemptedAt), paymentMethodRef: p.paymentMethodRef, subscriptionId: p.subscriptionId });
  }
  return out;
}

/**
 * The rules' question for one retry. The network's answer is the payment row's, unless the engine's own latest
 * declined retry answered after the row's last attempt (a provider's response reaches the engine before the
 * platform's data syncs). On the row, a Visa card's advice_code is Visa's response code (Visa says "never
 * retry" through its Category 1 codes); any other brand's is a merchant advice code.
 */
export function cardRetryQuery(
  card: RetryCard,
  history: readonly CardRetryAttempt[],
  now: Date,
  latest?: LatestRetryAdvice | null,
  attemptedAt?: string | null,
): CardRetryQuery {
  const fresher = !!latest && (!attemptedAt || Date.parse(latest.completedAt) >= Date.parse(attemptedAt));
  const visa = cardNetworkOf(card.cardBrand) === 'visa';
  const answer =
    latest && fresher
      ? {
          adviceCode: latest.adviceCode,
          networkDeclineCode: latest.networkDeclineCode,
          declineCode: latest.failureCode ?? card.declineCode,
        }
      : {
          adviceCode: visa ? null : card.adviceCode,
          networkDeclineCode: visa ? card.adviceCode : null,
          declineCode: card.declineCode,
        };
  return {
    cardBrand: card.cardBrand,
    paymentMethodRef: card.paymentMethodRef,
    subscriptionId: card.subscriptionId,
    ...answer,
    history,
    now,
  };
}
