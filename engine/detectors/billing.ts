// Billing-failure detector: classifies failed payments by decline code (decline-codes.ts) and retry state.
// Deterministic (confidence 1). Three findings so operators see each population:
//   retryable_failed_payments  soft decline, attempts < maxAttempts, next_retry_at <= now.
//                              high when ≥ RETRYABLE_HIGH_CENTS is at stake, else medium
//   hard_declines              never retried (the customer must act), medium
//   soft_declines_exhausted    soft decline with attempts ≥ maxAttempts, medium (revenue lost unless dunned)
import type { DetectedFinding, Severity } from '../types';
import { DETERMINISTIC_CONFIDENCE, KINDS, fingerprintOf } from './catalog';
import { classifyDecline } from './decline-codes';
import { plural } from './evidence';

/** Retry state of a failed payment, computed in SQL against `now` and maxAttempts. */
export type FailedPaymentState = 'exhausted' | 'due' | 'scheduled' | 'unscheduled';

/** One group of failed payments: same normalized decline code, same retry state. */
export interface FailedPaymentGroup {
  code: string;
  state: FailedPaymentState;
  count: number;
  amountCents: number;
  /** The group's smallest ids, ascending. */
  sampleIds: number[];
}

export interface FailedPaymentBucket {
  count: number;
  amountCents: number;
  sampleIds: number[];
  byCode: Record<string, number>;
}

export interface BillingSummary {
  retryable: FailedPaymentBucket;
  hard: FailedPaymentBucket;
  exhausted: FailedPaymentBucket;
  /** Soft declines with a retry scheduled in the future: fine, reported in evidence only. */
  notDue: FailedPaymentBucket;
  /** Soft declines with no retry scheduled and attempts left. */
  unscheduled: FailedPaymentBucket;
}

/** $1,000 at stake makes retryable failures "high". */
export const RETRYABLE_HIGH_CENTS = 100_000;

function emptyBucket(): FailedPaymentBucket {
  return { count: 0, amountCents: 0, sampleIds: [], byCode: {} };
}

/** Merges the per-(code, state) groups into buckets; each bucket keeps its `sampleSize` smallest ids. */
export function summarizeFailedPayments(groups: FailedPaymentGroup[], sampleSize = 10): BillingSummary {
  const s: BillingSummary = {
    retryable: emptyBucket(),
    hard: emptyBucket(),
    exhausted: emptyBucket(),
    notDue: emptyBucket(),
    unscheduled: emptyBucket(),
  };
  for (const g of groups) {
    const bucket =
      classifyDecline(g.code) === 'hard'
        ? s.hard
        : g.state === 'exhausted'
          ? s.exhausted
          : g.state === 'due'
            ? s.retryable
            : g.state === 'scheduled'
              ? s.notDue
              : s.unscheduled;
    bucket.count += g.count;
    bucket.amountCents += g.amountCents;
    bucket.byCode[g.code] = (bucket.byCode[g.code] ?? 0) + g.count;
    bucket.sampleIds.push(...g.sampleIds);
  }
  for (const b of Object.values(s) as FailedPaymentBucket[]) {
    b.sampleIds = [...new Set(b.sampleIds)].sort((a, c) => a - c).slice(0, sampleSize);
  }
  return s;
}

export function retryableSeverity(amountCents: number): Severity {
  return amountCents >= RETRYABLE_HIGH_CENTS ? 'high' : 'medium';
}

function dollars(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}

function billing(
  kind: string,
  severity: Severity,
  title: string,
  evidence: DetectedFinding['evidence'],
): DetectedFinding {
  return {
    fingerprint: fingerprintOf('billing', kind),
    detector: 'billing',
    kind,
    category: 'issue',
    severity,
    confidence: DETERMINISTIC_CONFIDENCE,
    title,
    evidence,
  };
}

export function billingFindings(s: BillingSummary, opts: { maxAttempts: number }): DetectedFinding[] {
  const out: DetectedFinding[] = [];
  const K = KINDS.billing;
  const { retryable: r, hard: h, exhausted: x } = s;
  if (r.count > 0) {
    out.push(
      billing(
        K.retryableFailedPayments,
        retryableSeverity(r.amountCents),
        `${plural(r.count, 'failed payment')} due for a retry (${dollars(r.amountCents)} at stake)`,
        {
          count: r.count,
          sampleIds: r.sampleIds,
          amountCents: r.amountCents,
          byCode: r.byCode,
          maxAttempts: opts.maxAttempts,
          notDue: s.notDue.count,
        },
      ),
    );
  }
  if (h.count > 0) {
    out.push(
      billing(
        K.hardDeclines,
        'medium',
        `${plural(h.count, 'payment')} hard-declined: not retried, the customer must update the card`,
        {
          count: h.count,
          sampleIds: h.sampleIds,
          amountCents: h.amountCents,
          byCode: h.byCode,
        },
      ),
    );
  }
  if (x.count > 0) {
    out.push(
      billing(
        K.softDeclinesExhausted,
        'medium',
        `${plural(x.count, 'failed payment')} out of retries (${dollars(x.amountCents)})`,
        {
          count: x.count,
          sampleIds: x.sampleIds,
          amountCents: x.amountCents,
          byCode: x.byCode,
          maxAttempts: opts.maxAttempts,
        },
      ),
    );
  }
  return out;
}
