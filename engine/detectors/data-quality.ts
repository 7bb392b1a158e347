// Data-quality detector: turns the raw evidence of db/queries/detectors.ts into findings.
// Deterministic (confidence 1). Severity rules:
//   null / malformed emails  medium when ≥ 1% of users are affected (a visible share unreachable), else low
//   unnormalized emails      low (fixable automatically by normalizing)
//   duplicate emails         medium (two accounts for one person: needs a human to merge)
//   future event timestamps  medium (they distort freshness and retention KPIs)
//   subscription w/o plan    high when any such subscription is active (billing an unknown plan), else medium
//   negative payment amounts high (the ledger is wrong)
import type { DetectedFinding, Severity } from '../types';
import { DETERMINISTIC_CONFIDENCE, KINDS, fingerprintOf } from './catalog';
import { plural, shareOf, type SampledCount } from './evidence';

export interface DataQualityEvidence {
  totalUsers: number;
  nullEmails: SampledCount;
  malformedEmails: SampledCount;
  unnormalizedEmails: SampledCount;
  /** count = users in duplicate groups; groups = distinct normalized emails shared by ≥ 2 live users. */
  duplicateEmails: SampledCount & { groups: number; sampleGroups: number[][] };
  futureEvents: SampledCount & { latestOccurredAt: string | null };
  subscriptionsMissingPlan: SampledCount & { active: number; activeMrrCents: number };
  negativeAmounts: SampledCount & { totalAmountCents: number };
}

/** Share of users above which a missing/malformed email problem is "medium" rather than "low". */
export const EMAIL_SHARE_MEDIUM = 0.01;

const K = KINDS.data_quality;

function dq(kind: string, severity: Severity, title: string, evidence: DetectedFinding['evidence']): DetectedFinding {
  return {
    fingerprint: fingerprintOf('data_quality', kind),
    detector: 'data_quality',
    kind,
    category: 'issue',
    severity,
    confidence: DETERMINISTIC_CONFIDENCE,
    title,
    evidence,
  };
}

export function emailSeverity(count: number, totalUsers: number): Severity {
  return shareOf(count, totalUsers) >= EMAIL_SHARE_MEDIUM ? 'medium' : 'low';
}

export function dataQualityFindings(e: DataQualityEvidence): DetectedFinding[] {
  const out: DetectedFinding[] = [];
  const { nullEmails: nul, malformedEmails: bad, unnormalizedEmails: unn, duplicateEmails: dup } = e;
  if (nul.count > 0) {
    out.push(
      dq(K.nullEmail, emailSeverity(nul.count, e.totalUsers), `${plural(nul.count, 'user')} without an email address`, {
        count: nul.count,
        sampleIds: nul.sampleIds,
        totalUsers: e.totalUsers,
        share: shareOf(nul.count, e.totalUsers),
      }),
    );
  }
  if (bad.count > 0) {
    out.push(
      dq(
        K.malformedEmail,
        emailSeverity(bad.count, e.totalUsers),
        `${plural(bad.count, 'user')} with a malformed email address`,
        {
          count: bad.count,
          sampleIds: bad.sampleIds,
          totalUsers: e.totalUsers,
          share: shareOf(bad.count, e.totalUsers),
        },
      ),
    );
  }
  if (unn.count > 0) {
    out.push(
      dq(
        K.unnormalizedEmail,
        'low',
        `${plural(unn.count, 'email address', 'email addresses')} not normalized (case or whitespace)`,
        {
          count: unn.count,
          sampleIds: unn.sampleIds,
        },
      ),
    );
  }
  if (dup.count > 0) {
    out.push(
      dq(
        K.duplicateEmail,
        'medium',
        `${plural(dup.count, 'live user')} share ${plural(dup.groups, 'email address', 'email addresses')}`,
        {
          count: dup.count,
          sampleIds: dup.sampleIds,
          groups: dup.groups,
          sampleGroups: dup.sampleGroups,
        },
      ),
    );
  }
  const fut = e.futureEvents;
  if (fut.count > 0) {
    out.push(
      dq(K.futureEvents, 'medium', `${plural(fut.count, 'event')} timestamped in the future`, {
        count: fut.count,
        sampleIds: fut.sampleIds,
        latestOccurredAt: fut.latestOccurredAt,
      }),
    );
  }
  const nop = e.subscriptionsMissingPlan;
  if (nop.count > 0) {
    out.push(
      dq(
        K.subscriptionMissingPlan,
        nop.active > 0 ? 'high' : 'medium',
        `${plural(nop.count, 'subscription')} on a plan that does not exist`,
        {
          count: nop.count,
          sampleIds: nop.sampleIds,
          active: nop.active,
          activeMrrCents: nop.activeMrrCents,
        },
      ),
    );
  }
  const neg = e.negativeAmounts;
  if (neg.count > 0) {
    out.push(
      dq(K.negativeAmounts, 'high', `${plural(neg.count, 'payment')} with a negative amount`, {
        count: neg.count,
        sampleIds: neg.sampleIds,
        totalAmountCents: neg.totalAmountCents,
      }),
    );
  }
  return out;
}
