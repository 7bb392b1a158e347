// The optional card columns of app.payments (card_brand, payment_method_ref, advice_code; docs/data-contract.md)
// as SQL expressions: the column where the platform has it, a typed null where it does not, so every query
// that reads them runs unchanged on a platform without them.
import type { Queryable } from '../types';

export const PAYMENT_CARD_COLUMNS = ['card_brand', 'payment_method_ref', 'advice_code'] as const;
export type PaymentCardColumn = (typeof PAYMENT_CARD_COLUMNS)[number];

/** For each optional column: `<alias>.<column>` when app.payments has it, else `null::text`. */
export async function paymentCardColumns(db: Queryable, alias = 'p'): Promise<Record<PaymentCardColumn, string>> {
  const present: string[] = await db('information_schema.columns')
    .where({ table_schema: 'app', table_name: 'payments' })
    .whereIn('column_name', [...PAYMENT_CARD_COLUMNS])
    .pluck('column_name');
  const expr = (c: PaymentCardColumn) => (present.includes(c) ? `${alias}.${c}::text` : 'null::text');
  return {
    card_brand: expr('card_brand'),
    payment_method_ref: expr('payment_method_ref'),
    advice_code: expr('advice_code'),
  };
}
