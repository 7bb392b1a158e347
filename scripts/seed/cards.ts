// The optional card columns of the demo payments (docs/data-contract.md): each paid subscription pays with
// one card (brand visa 50%, mastercard 32%, amex 12%, discover 6%; payment_method_ref 'pm_…' shared by all
// its payments), and the network's advice on some planted declines, so the card-network rules have
// something to stop once those payments fall due:
//   not-due soft declines  every third: a Mastercard told "do not try again" (MAC 03) or "payment cancelled"
//                          (MAC 21), alternately; every third after that, a Visa with a Category 1 response
//                          code (R1, 14, 41, 43 in turn); the rest no advice
//   hard declines          MAC 03 when the card is a Mastercard
//   retryable soft declines MAC 02 ("retry later": allowed) on every other Mastercard
// Runs after the planted payments; the brands of a subscription with planted advice follow the advice.
import { HARD_DECLINE_CODES } from '../../engine/detectors/decline-codes';
import { exec, type SeedContext } from './context';

const VISA_CATEGORY_1 = ['R1', '14', '41', '43'];
const sqlArray = (xs: readonly string[]) => `ARRAY[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(', ')}]`;

export async function insertPaymentCards(ctx: SeedContext): Promise<number> {
  const { rnd, T, seed } = ctx;
  const cards = await exec(
    ctx,
    `UPDATE app.payments p
        SET payment_method_ref = 'pm_' || substr(md5('${seed}:card:' || p.subscription_id), 1, 24),
            card_brand = CASE WHEN r < 0.50 THEN 'visa' WHEN r < 0.82 THEN 'mastercard' WHEN r < 0.94 THEN 'amex' ELSE 'discover' END
       FROM (SELECT DISTINCT subscription_id, ${rnd('subscription_id', 95)} AS r FROM app.payments) c
      WHERE c.subscription_id = p.subscription_id`,
  );
  const visa = `(${sqlArray(VISA_CATEGORY_1)})`;
  await exec(
    ctx,
    `CREATE TEMP TABLE seed_advice ON COMMIT DROP AS
     SELECT id, subscription_id,
            CASE WHEN rn % 3 = 0 THEN 'mastercard' WHEN rn % 3 = 1 THEN 'visa' END AS brand,
            CASE WHEN rn % 3 = 0 THEN CASE WHEN rn % 6 = 0 THEN '03' ELSE '21' END
                 WHEN rn % 3 = 1 THEN ${visa}[1 + (rn / 3) % ${VISA_CATEGORY_1.length}] END AS advice
       FROM (SELECT id, subscription_id, row_number() OVER (ORDER BY id) - 1 AS rn
               FROM app.payments WHERE status = 'failed' AND next_retry_at > ${T}) n`,
  );
  await exec(
    ctx,
    `UPDATE app.payments p SET card_brand = a.brand
       FROM seed_advice a WHERE a.brand IS NOT NULL AND p.subscription_id = a.subscription_id`,
  );
  await exec(ctx, `UPDATE app.payments p SET advice_code = a.advice FROM seed_advice a WHERE p.id = a.id`);
  await exec(
    ctx,
    `UPDATE app.payments SET advice_code = '03'
      WHERE status = 'failed' AND card_brand = 'mastercard' AND next_retry_at IS NULL AND attempt_count = 1
        AND lower(failure_code) = ANY(${sqlArray(HARD_DECLINE_CODES)})`,
  );
  await exec(
    ctx,
    `UPDATE app.payments SET advice_code = '02'
      WHERE status = 'failed' AND card_brand = 'mastercard' AND advice_code IS NULL AND next_retry_at <= ${T} AND id % 2 = 0`,
  );
  return cards;
}
