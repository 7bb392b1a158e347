// The platform's own retries of the cards the engine is about to retry: the failed-then-retried payments of
// those payment methods (or, without one, subscriptions) last attempted inside the card-network window.
// app.payments keeps a count and the last attempt's time, not each attempt: the caller dates every platform
// retry at attempted_at, the latest it can have been, so it stays in a rolling window as long as possible.
import type { Queryable } from '../types';
import { paymentCardColumns } from './payment-card-columns';

export interface CardPaymentAttempts {
  paymentId: number;
  subscriptionId: number;
  paymentMethodRef: string | null;
  /** Charge attempts of the payment so far (the first charge included). */
  attemptCount: number;
  attemptedAt: string;
}

export async function retriedPaymentsOfCards(
  db: Queryable,
  cards: { paymentMethodRefs: readonly string[]; subscriptionIds: readonly number[] },
  since: Date,
): Promise<CardPaymentAttempts[]> {
  if (!cards.paymentMethodRefs.length && !cards.subscriptionIds.length) return [];
  const card = await paymentCardColumns(db);
  const { rows } = (await db.raw(
    `select p.id, p.subscription_id, ${card.payment_method_ref} as payment_method_ref, p.attempt_count, p.attempted_at
       from app.payments p
      where p.attempt_count > 1 and p.attempted_at >= ?
        and (${card.payment_method_ref} = any(?::text[]) or p.subscription_id = any(?::bigint[]))`,
    [since, [...new Set(cards.paymentMethodRefs)], [...new Set(cards.subscriptionIds)]],
  )) as { rows: Array<Record<string, unknown>> };
  return rows.map((r) => ({
    paymentId: Number(r.id),
    subscriptionId: Number(r.subscription_id),
    paymentMethodRef: (r.payment_method_ref as string | null) ?? null,
    attemptCount: Number(r.attempt_count),
    attemptedAt: new Date(r.attempted_at as string).toISOString(),
  }));
}

/** Each payment's last attempt time (the platform's), to tell whether the engine's latest answer is newer. */
export async function paymentAttemptTimes(db: Queryable, paymentIds: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (!paymentIds.length) return out;
  const rows: Array<{ id: string | number; attempted_at: Date }> = await db('app.payments')
    .whereIn('id', [...new Set(paymentIds)])
    .select('id', 'attempted_at');
  for (const r of rows) out.set(Number(r.id), new Date(r.attempted_at).toISOString());
  return out;
}
