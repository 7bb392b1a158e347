// The PagerDuty Events API v2 event of an alert (pure): trigger with dedup_key = the finding's fingerprint,
// resolve with the same key; a reminder is a repeated trigger, which PagerDuty folds into the open incident.
import type { Severity } from '../../engine/types';
import { summarizeEvidence } from './evidence-summary';
import type { AlertLinks } from './links';
import type { Alert } from './port';

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export const PAGERDUTY_SEVERITY: Record<Severity, PagerDutySeverity> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  info: 'info',
};

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  client?: string;
  client_url?: string;
  links?: Array<{ href: string; text: string }>;
}

export function buildPagerDutyEvent(
  alert: Alert,
  opts: { routingKey: string; source: string; links: AlertLinks },
): PagerDutyEvent {
  const f = alert.finding;
  if (alert.kind === 'resolve') {
    return { routing_key: opts.routingKey, event_action: 'resolve', dedup_key: f.fingerprint };
  }
  // PagerDuty caps summary at 1024 characters.
  const summary = f.title.length > 1024 ? `${f.title.slice(0, 1023)}…` : f.title;
  return {
    routing_key: opts.routingKey,
    event_action: 'trigger',
    dedup_key: f.fingerprint,
    payload: {
      summary,
      source: opts.source,
      severity: PAGERDUTY_SEVERITY[f.severity],
      timestamp: alert.at,
      component: f.detector,
      group: f.kind,
      class: f.severity,
      custom_details: {
        evidence: summarizeEvidence(f.evidence),
        confidence: f.confidence,
        first_seen_at: f.firstSeenAt,
        last_seen_at: f.lastSeenAt,
        cycle_id: alert.cycleId,
        reminder: alert.kind === 'remind',
      },
    },
    client: 'Floyo Autonomous Engine',
    client_url: opts.links.dashboard,
    links: [
      { href: opts.links.dashboard, text: 'Floyo dashboard' },
      { href: opts.links.temporal, text: 'Cycle in the Temporal Web UI' },
    ],
  };
}
