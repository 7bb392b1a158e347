// Alert channel selection: the one place that turns the config's SLACK_WEBHOOK_URL, PAGERDUTY_ROUTING_KEY and
// ALERT_WEBHOOK_URL (with their companions) into the channels the alert activity sends through, by policy name.
import { createPagerDutyChannel } from '../activities/alerts/pagerduty';
import type { AlertChannel } from '../activities/alerts/port';
import { createSlackChannel } from '../activities/alerts/slack';
import { createWebhookChannel } from '../activities/alerts/webhook';
import type { LinkOptions } from '../activities/alerts/links';
import type { Config } from '../platform/config';

/** The config fields channel selection reads (the whole Config fits). */
export type AlertChannelSettings = Pick<
  Config,
  | 'SLACK_WEBHOOK_URL'
  | 'PAGERDUTY_ROUTING_KEY'
  | 'PAGERDUTY_EVENTS_URL'
  | 'ALERT_WEBHOOK_URL'
  | 'ALERT_WEBHOOK_SECRET'
  | 'PUBLIC_BASE_URL'
  | 'FLOYO_API_URL'
  | 'TEMPORAL_UI_URL'
  | 'TEMPORAL_NAMESPACE'
>;

// The dev server's Web UI (temporal-dev.yml) when no cluster UI is configured.
const DEV_TEMPORAL_UI = 'http://127.0.0.1:8233';

/** The names of the channels the settings turn on, in the routing policy's spelling. */
export function configuredAlertChannels(s: AlertChannelSettings): string[] {
  return [
    ...(s.PAGERDUTY_ROUTING_KEY ? ['pagerduty'] : []),
    ...(s.SLACK_WEBHOOK_URL ? ['slack'] : []),
    ...(s.ALERT_WEBHOOK_URL ? ['webhook'] : []),
  ];
}

export function createAlertChannels(s: AlertChannelSettings): Map<string, AlertChannel> {
  const links: LinkOptions = {
    dashboardUrl: s.PUBLIC_BASE_URL ?? s.FLOYO_API_URL,
    temporalUiUrl: s.TEMPORAL_UI_URL ?? DEV_TEMPORAL_UI,
    temporalNamespace: s.TEMPORAL_NAMESPACE,
  };
  const channels = new Map<string, AlertChannel>();
  if (s.PAGERDUTY_ROUTING_KEY)
    channels.set(
      'pagerduty',
      createPagerDutyChannel({
        routingKey: s.PAGERDUTY_ROUTING_KEY.trim(),
        ...(s.PAGERDUTY_EVENTS_URL ? { eventsUrl: s.PAGERDUTY_EVENTS_URL } : {}),
        links,
      }),
    );
  if (s.SLACK_WEBHOOK_URL) channels.set('slack', createSlackChannel({ webhookUrl: s.SLACK_WEBHOOK_URL, links }));
  if (s.ALERT_WEBHOOK_URL) {
    // The config refuses a URL without its secret; this is the backstop for settings built by hand.
    if (!s.ALERT_WEBHOOK_SECRET) throw new Error('ALERT_WEBHOOK_SECRET: required when ALERT_WEBHOOK_URL is set');
    channels.set(
      'webhook',
      createWebhookChannel({ url: s.ALERT_WEBHOOK_URL, secret: s.ALERT_WEBHOOK_SECRET.trim(), links }),
    );
  }
  return channels;
}
