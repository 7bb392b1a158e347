// Loads what the card-network gate needs for a batch of payment retries, at planning and again right before
// the effect: each card's retries of the last 30 days (the engine's sent retries and the platform's own) and
// each payment's latest network advice. One set of queries per batch, never one per payment.
import { paymentAttemptTimes, retriedPaymentsOfCards } from '../../db/queries/card-retries';
import { engineCardRetries, engineRetryCountsByPayment, latestRetryAdvice } from '../../db/repos/effects';
import { allReads, type Queryable } from '../../db/types';
import type { CardRetryAttempt, CardRetryQuery } from '../../engine/safety/card-network-rules';
import {
  CARD_HISTORY_MS,
  cardRetryQuery,
  platformRetries,
  type RetryCard,
} from '../../engine/safety/card-retry-history';

export interface CardRetryContext {
  /** The rules' question for `card`, with `extra` retries (admitted earlier in the same batch) counted too. */
  queryFor(card: RetryCard, extra?: readonly CardRetryAttempt[]): CardRetryQuery;
}

export async function loadCardRetryContext(
  db: Queryable,
  cards: readonly RetryCard[],
  now: Date,
  excludeActionId: string | null = null,
): Promise<CardRetryContext> {
  const since = new Date(now.getTime() - CARD_HISTORY_MS);
  const keys = {
    paymentMethodRefs: cards.flatMap((c) => (c.paymentMethodRef ? [c.paymentMethodRef] : [])),
    subscriptionIds: cards.flatMap((c) => (c.subscriptionId != null ? [c.subscriptionId] : [])),
  };
  const paymentIds = cards.map((c) => c.paymentId);
  const [engine, platformRows, advice, attempted] = await allReads(db, [
    () => engineCardRetries(db, keys, since, excludeActionId),
    () => retriedPaymentsOfCards(db, keys, since),
    () => latestRetryAdvice(db, paymentIds),
    () => paymentAttemptTimes(db, paymentIds),
  ] as const);
  const engineCounts = await engineRetryCountsByPayment(
    db,
    platformRows.map((p) => p.paymentId),
  );
  const history: CardRetryAttempt[] = [
    ...engine.map((e) => ({
      at: new Date(e.at),
      paymentMethodRef: e.paymentMethodRef,
      subscriptionId: e.subscriptionId,
    })),
    ...platformRetries(platformRows, engineCounts),
  ];
  return {
    queryFor: (card, extra = []) =>
      cardRetryQuery(
        card,
        [...history, ...extra],
        now,
        advice.get(card.paymentId) ?? null,
        attempted.get(card.paymentId) ?? null,
      ),
  };
}
