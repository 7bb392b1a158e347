// Generic webhook alert channel: POSTs the alert as JSON signed per Standard Webhooks (webhook-id is the
// delivery's dedupe key, so a receiver drops a retried delivery it has already handled).
import { Webhook } from 'standardwebhooks';
import type { Alert, AlertChannel, DeliveryResult } from './port';
import { postJson } from './http-post';
import { alertLinks, type LinkOptions } from './links';
import { summarizeEvidence } from './evidence-summary';

export interface WebhookChannelOptions {
  url: string;
  /** The signing secret, base64 with an optional `whsec_` prefix (Standard Webhooks). */
  secret: string;
  links: LinkOptions;
  /** Default 'webhook'. */
  name?: string;
  /** Default 10 s. */
  timeoutMs?: number;
  /** Send alerts of dry-run cycles too (default false: they are recorded as skipped). */
  sendInDryRun?: boolean;
  /** The signature's timestamp; default the current time (receivers reject a stale one). */
  clock?: () => Date;
}

export interface WebhookAlertBody {
  type: `alert.${Alert['kind']}`;
  timestamp: string;
  data: {
    dedupeKey: string;
    cycleId: string;
    dryRun: boolean;
    evidenceSummary: string;
    finding: Alert['finding'];
    links: { dashboard: string; temporal: string };
  };
}

export function buildWebhookAlertBody(alert: Alert, links: { dashboard: string; temporal: string }): WebhookAlertBody {
  return {
    type: `alert.${alert.kind}`,
    timestamp: alert.at,
    data: {
      dedupeKey: alert.dedupeKey,
      cycleId: alert.cycleId,
      dryRun: alert.dryRun,
      evidenceSummary: summarizeEvidence(alert.finding.evidence),
      finding: alert.finding,
      links,
    },
  };
}

export function createWebhookChannel(opts: WebhookChannelOptions): AlertChannel {
  const name = opts.name ?? 'webhook';
  // Throws at construction on a secret that is not base64: a configuration error, not a delivery failure.
  const signer = new Webhook(opts.secret);
  const clock = opts.clock ?? (() => new Date());
  return {
    name,
    async send(alert: Alert): Promise<DeliveryResult> {
      if (alert.dryRun && !opts.sendInDryRun) return { channel: name, status: 'skipped_dry_run' };
      const body = JSON.stringify(buildWebhookAlertBody(alert, alertLinks(opts.links, alert.cycleId)));
      const sentAt = clock();
      const res = await postJson({
        channel: name,
        url: opts.url,
        body,
        headers: {
          'webhook-id': alert.dedupeKey,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': signer.sign(alert.dedupeKey, sentAt, body),
        },
        timeoutMs: opts.timeoutMs ?? 10_000,
      });
      return { channel: name, status: 'delivered', ...res };
    },
  };
}
