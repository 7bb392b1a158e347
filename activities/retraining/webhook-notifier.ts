// Notifies a retraining pipeline by a POST signed per Standard Webhooks; webhook-id is derived from the cycle, so
// a receiver drops the repeat a retried learn phase sends. 5xx/429/network errors are retried by the activity.
import { Webhook } from 'standardwebhooks';
import { postJson } from '../alerts/http-post';
import { retrainingIdOf, type RetrainingNotifier } from './hook';

export const RETRAINING_EVENT_TYPE = 'retraining.dataset_exported';

export function createWebhookNotifier(opts: {
  url: string;
  secret: string;
  clock: () => Date;
  timeoutMs?: number;
}): RetrainingNotifier {
  // Throws now on a secret that is not base64: a configuration error, not a delivery failure.
  const signer = new Webhook(opts.secret);
  return {
    name: `webhook ${new URL(opts.url).origin}`,
    async notify(request) {
      const id = retrainingIdOf(request.manifest.cycleId);
      const sentAt = opts.clock();
      const body = JSON.stringify({ type: RETRAINING_EVENT_TYPE, timestamp: sentAt.toISOString(), data: request });
      await postJson({
        channel: 'retraining webhook',
        url: opts.url,
        body,
        headers: {
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': signer.sign(id, sentAt, body),
        },
        timeoutMs: opts.timeoutMs ?? 10_000,
      });
      return { id, outcome: 'notified' };
    },
  };
}
