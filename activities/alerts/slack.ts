// Slack alert channel: posts the alert's Block Kit message to an incoming webhook.
import type { Alert, AlertChannel, DeliveryResult } from './port';
import { postJson } from './http-post';
import { alertLinks, type LinkOptions } from './links';
import { buildSlackAlertMessage } from './slack-alert-message';

export interface SlackChannelOptions {
  /** The incoming webhook URL Slack gave (https://hooks.slack.com/services/…); it is the secret. */
  webhookUrl: string;
  links: LinkOptions;
  /** Default 'slack'. */
  name?: string;
  /** Default 10 s. */
  timeoutMs?: number;
  /** Post alerts of dry-run cycles too (default false: they are recorded as skipped). */
  sendInDryRun?: boolean;
}

export function createSlackChannel(opts: SlackChannelOptions): AlertChannel {
  const name = opts.name ?? 'slack';
  return {
    name,
    async send(alert: Alert): Promise<DeliveryResult> {
      if (alert.dryRun && !opts.sendInDryRun) return { channel: name, status: 'skipped_dry_run' };
      const message = buildSlackAlertMessage(alert, alertLinks(opts.links, alert.cycleId));
      const res = await postJson({
        channel: name,
        url: opts.webhookUrl,
        body: JSON.stringify(message),
        timeoutMs: opts.timeoutMs ?? 10_000,
      });
      return { channel: name, status: 'delivered', ...res };
    },
  };
}
