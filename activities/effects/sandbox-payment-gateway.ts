// The default PaymentGateway: a deterministic sandbox that settles a retry from the payment's decline code
// and records the attempt on app.payments the way a provider webhook would. Used by `npm start`, the demo
// and the tests; a real deployment wires its provider's adapter instead.
//
// Settlement table (code = lower(trim(failure_code)); retry n = the payment's attempt_count before it):
//   processing_error, try_again_later, issuer_not_available,
//   reenter_transaction, approve_with_id                        → succeeded
//   insufficient_funds                                          → failed on retry 1, succeeded from retry 2
//   generic_decline, do_not_honor, a missing code, any other
//   soft code                                                   → failed (code unchanged; 'generic_decline' when missing)
//   a hard decline (docs/detectors.md)                               → refused: NonRetryableError, nothing recorded
// Recording: attempt_count + 1, attempted_at = clock(), status, failure_code (null on success),
// next_retry_at = clock() + 1 day × 2^(n−1) capped at 7 days when failed (null on success),
// provider_ref = 'sandbox_' + the first 24 hex digits of sha256(idempotency key).
// Idempotent: when provider_ref already equals the key's ref, the attempt was recorded by an earlier call
// with the same key and its result is returned unchanged.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { classifyDecline, normalizeDeclineCode } from '../../engine/detectors/decline-codes';
import { NonRetryableError } from './errors';
import type { PaymentGateway, PaymentRetryRequest, PaymentRetryResult } from './ports';

const DAY_MS = 86_400_000;
const MAX_BACKOFF_MS = 7 * DAY_MS;

const SUCCEEDS = new Set([
  'processing_error',
  'try_again_later',
  'issuer_not_available',
  'reenter_transaction',
  'approve_with_id',
]);

export function sandboxProviderRef(idempotencyKey: string): string {
  return `sandbox_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;
}

/** The settlement of retry number `retry` (1 = the first retry) of a payment declined with `failureCode`. */
export function sandboxSettlement(
  failureCode: string | null,
  retry: number,
): { status: 'succeeded' | 'failed'; failureCode: string | null } {
  const code = normalizeDeclineCode(failureCode);
  if (SUCCEEDS.has(code)) return { status: 'succeeded', failureCode: null };
  if (code === 'insufficient_funds')
    return retry >= 2
      ? { status: 'succeeded', failureCode: null }
      : { status: 'failed', failureCode: 'insufficient_funds' };
  return {
    status: 'failed',
    failureCode: failureCode == null || failureCode.trim() === '' ? 'generic_decline' : failureCode,
  };
}

export function sandboxBackoffMs(retry: number): number {
  return Math.min(DAY_MS * 2 ** Math.max(retry - 1, 0), MAX_BACKOFF_MS);
}

export function createSandboxPaymentGateway(db: Knex, clock: () => Date = () => new Date()): PaymentGateway {
  return {
    async retryPayment(req: PaymentRetryRequest): Promise<PaymentRetryResult> {
      const ref = sandboxProviderRef(req.idempotencyKey);
      return db.transaction(async (trx) => {
        const row = await trx('app.payments').where({ id: req.paymentId }).forUpdate().first();
        if (!row) throw new NonRetryableError(`payment ${req.paymentId} does not exist`, 'not_found');
        if (row.provider_ref === ref) {
          // Recorded by an earlier call with this key (a retried or re-driven activity): report, do not charge.
          return row.status === 'succeeded'
            ? { status: 'succeeded', providerRef: ref }
            : { status: 'failed', providerRef: ref, failureCode: row.failure_code ?? 'generic_decline' };
        }
        if (classifyDecline(row.failure_code) === 'hard') {
          throw new NonRetryableError(
            `payment ${req.paymentId} was hard-declined (${normalizeDeclineCode(row.failure_code)}): never retried`,
            'hard_decline',
          );
        }
        if (row.status !== 'failed')
          throw new NonRetryableError(
            `payment ${req.paymentId} is ${row.status}, not failed: nothing to retry`,
            'not_failed',
          );
        if (Number(row.amount_cents) !== req.amountCents) {
          throw new NonRetryableError(
            `payment ${req.paymentId} is for ${row.amount_cents} cents, the retry asked for ${req.amountCents}`,
            'amount_mismatch',
          );
        }
        const retry = Number(row.attempt_count);
        const settled = sandboxSettlement(row.failure_code, retry);
        const now = clock();
        await trx('app.payments')
          .where({ id: req.paymentId })
          .update({
            attempt_count: retry + 1,
            attempted_at: now,
            status: settled.status,
            failure_code: settled.failureCode,
            next_retry_at: settled.status === 'failed' ? new Date(now.getTime() + sandboxBackoffMs(retry)) : null,
            provider_ref: ref,
          });
        return settled.status === 'succeeded'
          ? { status: 'succeeded', providerRef: ref }
          : { status: 'failed', providerRef: ref, failureCode: settled.failureCode ?? 'generic_decline' };
      });
    },
  };
}
