// The webhook Messenger: hands a message to the platform's own delivery tools as a signed HTTP POST.
//
// The body is JSON {type: 'message.requested', timestamp, data: {user, template, fields, idempotencyKey}}, signed
// per the Standard Webhooks spec with its library: webhook-id = the idempotency key (the receiver's dedupe key,
// the same on every re-drive), webhook-timestamp = when this attempt was sent (receivers reject stale ones, so
// a retry is re-signed), webhook-signature = v1 HMAC-SHA256. Answers: 2xx delivered; 408, 429, 5xx, network
// errors and timeouts are UpstreamUnavailableError (retried with the same id); 401/403 mean the receiver does
// not accept our signature, other 4xx and redirects that it refused the message: both NonRetryableError.
import { Webhook } from 'standardwebhooks';
import { NonRetryableError, UpstreamUnavailableError } from './errors';
import type { MessageRequest, Messenger } from './ports';

export interface WebhookMessengerOptions {
  /** The receiver's endpoint, e.g. https://platform.internal/hooks/floyo-messages. */
  url: string;
  /** The shared secret, base64 with an optional whsec_ prefix (as Standard Webhooks issues them). */
  secret: string;
  /** Adds the recipient's address to the payload when given (the composition root wires a users repository). */
  findRecipient?(userId: number): Promise<{ id: number; email: string | null } | null>;
  /** Per-request timeout; defaults to 10 s. */
  timeoutMs?: number;
  /** The clock of webhook-timestamp; defaults to the real one. */
  now?: () => Date;
}

export const WEBHOOK_EVENT_TYPE = 'message.requested';

function retryAfterSeconds(res: Response): number | null {
  const n = Number(res.headers.get('retry-after'));
  return res.headers.has('retry-after') && Number.isFinite(n) && n >= 0 ? n : null;
}

/** What the receiver's answer means for the effect: delivered, retry later, or never. */
export function webhookFailure(status: number, detail: string, res?: Response): Error | null {
  if (status >= 200 && status < 300) return null;
  if (status === 408 || status === 429 || status >= 500)
    return new UpstreamUnavailableError(
      'webhook',
      `the webhook receiver is unavailable (${status}): ${detail}`,
      res ? retryAfterSeconds(res) : null,
    );
  if (status === 401 || status === 403)
    return new NonRetryableError(
      `the webhook receiver rejected our signature (${status}); check WEBHOOK_SECRET: ${detail}`,
      'provider_auth',
    );
  return new NonRetryableError(`the webhook receiver refused the message (${status}): ${detail}`, 'rejected');
}

/** Readiness: a HEAD to the endpoint; any HTTP answer means reachable (nothing is delivered or signed). */
export async function probeWebhook(url: string, timeoutMs = 2_000): Promise<void> {
  const res = await fetch(url, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  await res.body?.cancel();
}

export function createWebhookMessenger(opts: WebhookMessengerOptions): Messenger {
  const endpoint = new URL(opts.url);
  // Throws now, at wiring time, on a secret that is not base64: a misconfiguration, not a delivery failure.
  const signer = new Webhook(opts.secret);
  const now = opts.now ?? (() => new Date());
  return {
    async send(req: MessageRequest): Promise<{ messageId: string }> {
      const recipient = opts.findRecipient ? await opts.findRecipient(req.userId) : null;
      if (opts.findRecipient && !recipient)
        throw new NonRetryableError(`user ${req.userId} does not exist`, 'no_recipient');
      const sentAt = now();
      const body = JSON.stringify({
        type: WEBHOOK_EVENT_TYPE,
        timestamp: sentAt.toISOString(),
        data: {
          user: { id: req.userId, ...(recipient ? { email: recipient.email } : {}) },
          template: req.template,
          fields: req.payload ?? {},
          idempotencyKey: req.idempotencyKey,
        },
      });
      const headers = {
        'content-type': 'application/json',
        'webhook-id': req.idempotencyKey,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': signer.sign(req.idempotencyKey, sentAt, body),
      };
      let res: Response;
      try {
        res = await fetch(endpoint, {
          method: 'POST',
          headers,
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
        });
      } catch (err) {
        throw new UpstreamUnavailableError('webhook', `the webhook receiver is unreachable: ${(err as Error).message}`);
      }
      const detail = (await res.text().catch(() => '')).slice(0, 200) || res.statusText;
      const failure = webhookFailure(res.status, detail, res);
      if (failure) throw failure;
      return { messageId: req.idempotencyKey };
    },
  };
}
