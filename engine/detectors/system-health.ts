// System-health detector (cheap: the hourly monitor runs it too). Rules:
//   event_freshness        no event in (now − windowHours, now]: critical, confidence 1 (ingestion is down
//                          or the platform is). count = 1: one outage.
//   stuck_payments         pending with attempted_at older than the stuck age (24h): high, confidence 1.
//   payment_failure_spike  failure rate of the last 24h above the 7-day baseline before it. Fires when the
//                          rise is ≥ SPIKE_MIN_RISE (absolute) and P(recent rate > baseline) ≥ SPIKE_MIN_CONFIDENCE
//                          under a Beta(1,1) posterior on the recent failures; that probability is the
//                          confidence. high when the rate at least doubled and rose ≥ 10 points, else medium.
import { posteriorFrom, probabilityBelow } from '../stats/beta';
import type { DetectedFinding, Severity } from '../types';
import { DETERMINISTIC_CONFIDENCE, KINDS, fingerprintOf } from './catalog';
import { plural, type SampledCount } from './evidence';

export interface FreshnessEvidence {
  /** Newest event at or before now (future-dated events do not count as fresh). */
  lastEventAt: string | null;
  eventsInWindow: number;
  windowHours: number;
}

export interface StuckPaymentsEvidence extends SampledCount {
  amountCents: number;
  oldestAttemptedAt: string | null;
  olderThanHours: number;
}

export interface PaymentFailureRateEvidence {
  recentHours: number;
  baselineDays: number;
  recentAttempts: number;
  recentFailed: number;
  baselineAttempts: number;
  baselineFailed: number;
  /** Smallest ids of the recent failed payments. */
  sampleIds: number[];
}

export interface SystemHealthEvidence {
  freshness: FreshnessEvidence;
  stuckPayments: StuckPaymentsEvidence;
  paymentFailureRate: PaymentFailureRateEvidence;
}

export const SPIKE_MIN_ATTEMPTS = 30;
export const SPIKE_MIN_RISE = 0.05;
export const SPIKE_MIN_CONFIDENCE = 0.95;

const K = KINDS.system_health;

function health(
  kind: string,
  severity: Severity,
  confidence: number,
  title: string,
  evidence: DetectedFinding['evidence'],
): DetectedFinding {
  return {
    fingerprint: fingerprintOf('system_health', kind),
    detector: 'system_health',
    kind,
    category: 'issue',
    severity,
    confidence,
    title,
    evidence,
  };
}

export function freshnessFinding(e: FreshnessEvidence, now: Date): DetectedFinding | null {
  if (e.eventsInWindow > 0) return null;
  const hoursSinceLastEvent =
    e.lastEventAt == null ? null : Math.round(((now.getTime() - Date.parse(e.lastEventAt)) / 3_600_000) * 100) / 100;
  const title =
    hoursSinceLastEvent == null
      ? 'No events have ever been recorded'
      : `No events in the last ${e.windowHours}h (last one ${hoursSinceLastEvent}h ago)`;
  return health(K.eventFreshness, 'critical', DETERMINISTIC_CONFIDENCE, title, {
    count: 1,
    sampleIds: [],
    lastEventAt: e.lastEventAt,
    hoursSinceLastEvent,
    windowHours: e.windowHours,
  });
}

export function stuckPaymentsFinding(e: StuckPaymentsEvidence): DetectedFinding | null {
  if (e.count === 0) return null;
  return health(
    K.stuckPayments,
    'high',
    DETERMINISTIC_CONFIDENCE,
    `${plural(e.count, 'payment')} pending for more than ${e.olderThanHours}h`,
    {
      count: e.count,
      sampleIds: e.sampleIds,
      amountCents: e.amountCents,
      oldestAttemptedAt: e.oldestAttemptedAt,
      olderThanHours: e.olderThanHours,
    },
  );
}

/** P(recent failure rate > baseline rate) under a Beta(1,1) prior on the recent rate. */
export function spikeConfidence(e: PaymentFailureRateEvidence): number {
  const baseline = e.baselineAttempts > 0 ? e.baselineFailed / e.baselineAttempts : 0;
  return 1 - probabilityBelow(baseline, posteriorFrom(e.recentFailed, e.recentAttempts));
}

export function paymentFailureSpikeFinding(e: PaymentFailureRateEvidence): DetectedFinding | null {
  if (e.recentAttempts < SPIKE_MIN_ATTEMPTS || e.baselineAttempts < SPIKE_MIN_ATTEMPTS) return null;
  const recentRate = e.recentFailed / e.recentAttempts;
  const baselineRate = e.baselineFailed / e.baselineAttempts;
  const rise = recentRate - baselineRate;
  if (rise < SPIKE_MIN_RISE) return null;
  const confidence = spikeConfidence(e);
  if (confidence < SPIKE_MIN_CONFIDENCE) return null;
  const severity: Severity = recentRate >= 2 * baselineRate && rise >= 0.1 ? 'high' : 'medium';
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return health(
    K.paymentFailureSpike,
    severity,
    confidence,
    `Payment failure rate ${pct(recentRate)} in the last ${e.recentHours}h vs ${pct(baselineRate)} baseline`,
    {
      count: e.recentFailed,
      sampleIds: e.sampleIds,
      recentAttempts: e.recentAttempts,
      recentRate: Math.round(recentRate * 1e6) / 1e6,
      baselineAttempts: e.baselineAttempts,
      baselineRate: Math.round(baselineRate * 1e6) / 1e6,
      recentHours: e.recentHours,
      baselineDays: e.baselineDays,
    },
  );
}

export function systemHealthFindings(e: SystemHealthEvidence, now: Date): DetectedFinding[] {
  return [
    freshnessFinding(e.freshness, now),
    stuckPaymentsFinding(e.stuckPayments),
    paymentFailureSpikeFinding(e.paymentFailureRate),
  ].filter((f): f is DetectedFinding => f !== null);
}
