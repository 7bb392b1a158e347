// Orphaned-records detector: records that point at a user or subscription that is gone.
// Deterministic (confidence 1). Severity rules:
//   active subscription whose user is missing or deleted  high (a customer who no longer exists is billed)
//   payment whose subscription is missing                  medium (money not attributable to any customer)
import type { DetectedFinding } from '../types';
import { DETERMINISTIC_CONFIDENCE, KINDS, fingerprintOf } from './catalog';
import { plural, type SampledCount } from './evidence';

export interface OrphanedRecordsEvidence {
  activeSubscriptionsWithoutUser: SampledCount & { missingUser: number; deletedUser: number; mrrCents: number };
  paymentsWithoutSubscription: SampledCount & { amountCents: number };
}

const K = KINDS.orphaned_records;

export function orphanedRecordsFindings(e: OrphanedRecordsEvidence): DetectedFinding[] {
  const out: DetectedFinding[] = [];
  const subs = e.activeSubscriptionsWithoutUser;
  if (subs.count > 0) {
    out.push({
      fingerprint: fingerprintOf('orphaned_records', K.activeSubscriptionWithoutUser),
      detector: 'orphaned_records',
      kind: K.activeSubscriptionWithoutUser,
      category: 'issue',
      severity: 'high',
      confidence: DETERMINISTIC_CONFIDENCE,
      title: `${plural(subs.count, 'active subscription')} of a missing or deleted user`,
      evidence: {
        count: subs.count,
        sampleIds: subs.sampleIds,
        missingUser: subs.missingUser,
        deletedUser: subs.deletedUser,
        mrrCents: subs.mrrCents,
      },
    });
  }
  const pays = e.paymentsWithoutSubscription;
  if (pays.count > 0) {
    out.push({
      fingerprint: fingerprintOf('orphaned_records', K.paymentWithoutSubscription),
      detector: 'orphaned_records',
      kind: K.paymentWithoutSubscription,
      category: 'issue',
      severity: 'medium',
      confidence: DETERMINISTIC_CONFIDENCE,
      title: `${plural(pays.count, 'payment')} of a subscription that does not exist`,
      evidence: { count: pays.count, sampleIds: pays.sampleIds, amountCents: pays.amountCents },
    });
  }
  return out;
}
