// PagerDuty alert channel: sends the alert's Events API v2 event to the events endpoint.
import type { Alert, AlertChannel, DeliveryResult } from './port';
import { postJson } from './http-post';
import { alertLinks, type LinkOptions } from './links';
import { buildPagerDutyEvent } from './pagerduty-event';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export interface PagerDutyChannelOptions {
  /** The integration's routing key (Events API v2). */
  routingKey: string;
  /** Default the public endpoint, PAGERDUTY_EVENTS_URL. */
  eventsUrl?: string;
  /** payload.source: where the problem is. Default 'floyo-engine'. */
  source?: string;
  links: LinkOptions;
  /** Default 'pagerduty'. */
  name?: string;
  /** Default 10 s. */
  timeoutMs?: number;
  /** Page for dry-run cycles too (default false: they are recorded as skipped). */
  sendInDryRun?: boolean;
}

export function createPagerDutyChannel(opts: PagerDutyChannelOptions): AlertChannel {
  const name = opts.name ?? 'pagerduty';
  return {
    name,
    async send(alert: Alert): Promise<DeliveryResult> {
      if (alert.dryRun && !opts.sendInDryRun) return { channel: name, status: 'skipped_dry_run' };
      const event = buildPagerDutyEvent(alert, {
        routingKey: opts.routingKey,
        source: opts.source ?? 'floyo-engine',
        links: alertLinks(opts.links, alert.cycleId),
      });
      const res = await postJson({
        channel: name,
        url: opts.eventsUrl ?? PAGERDUTY_EVENTS_URL,
        body: JSON.stringify(event),
        timeoutMs: opts.timeoutMs ?? 10_000,
      });
      return { channel: name, status: 'delivered', ...res };
    },
  };
}
