// The port every alert channel implements (Slack, PagerDuty, a signed webhook): one alert in, one delivery out.
import type { Severity } from '../../engine/types';

/** trigger opens a page, resolve closes it (same dedupe key), remind repeats it while the finding stays open. */
export type AlertKind = 'trigger' | 'resolve' | 'remind';

/** The finding an alert is about, as engine.findings holds it. */
export interface AlertFinding {
  id: number;
  /** Stable across cycles: PagerDuty's dedup_key, so a trigger and its resolve meet on the same incident. */
  fingerprint: string;
  title: string;
  severity: Severity;
  detector: string;
  kind: string;
  confidence: number;
  evidence: Record<string, unknown>;
  firstSeenAt: string;
  lastSeenAt: string;
}

export interface Alert {
  kind: AlertKind;
  /** engine.alert_deliveries.dedupe_key: the idempotency key of this one delivery. */
  dedupeKey: string;
  finding: AlertFinding;
  /** The cycle (= workflow id) that saw the finding, for the Temporal Web UI link. */
  cycleId: string;
  /** When the engine decided to send it (ISO 8601). */
  at: string;
  dryRun: boolean;
}

export interface DeliveryResult {
  channel: string;
  status: 'delivered' | 'skipped_dry_run';
  /** HTTP status of the provider's answer (absent for a dry run). */
  httpStatus?: number;
  /** The provider's answer, parsed when JSON, for engine.alert_deliveries.response. */
  response?: unknown;
}

export interface AlertChannel {
  /** The channel's name in the routing policy and in engine.alert_deliveries.channel. */
  readonly name: string;
  /** Delivers once; throws AlertDeliveryError (retryable) or NonRetryableError (a 4xx no retry can change). */
  send(alert: Alert): Promise<DeliveryResult>;
}
