// The webhook messenger against a local HTTP receiver that verifies every delivery with the Standard Webhooks
// library, as the platform's receiver would: signature, id and timestamp on the wire, tampering rejected,
// and how each answer of the receiver is classified.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonRetryableError, UpstreamUnavailableError } from '../../activities/effects/errors';
import { createWebhookMessenger, WEBHOOK_EVENT_TYPE } from '../../activities/effects/webhook-messenger';
import { freeLoopbackPort } from '../../scripts/lib/local-server';

const SECRET = `whsec_${Buffer.from('floyo-webhook-test-secret-32-bytes!').toString('base64')}`;
const NOW = new Date();

interface Delivery {
  headers: Record<string, string>;
  body: string;
  verified: boolean;
}

let server: http.Server;
let url: string;
const deliveries: Delivery[] = [];
/** Answers the receiver gives before it goes back to verifying (status, body, headers). */
const forced: [number, string, Record<string, string>?][] = [];

function verify(body: string, headers: Record<string, string>): boolean {
  try {
    new Webhook(SECRET).verify(body, headers);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const verified = verify(body, headers);
      deliveries.push({ headers, body, verified });
      const f = forced.shift();
      if (f) {
        res.writeHead(f[0], f[2] ?? {});
        return res.end(f[1]);
      }
      res.writeHead(verified ? 204 : 401);
      res.end(verified ? undefined : 'invalid signature');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/messages`;
});
afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

const messenger = (over: Partial<Parameters<typeof createWebhookMessenger>[0]> = {}) =>
  createWebhookMessenger({ url, secret: SECRET, now: () => NOW, ...over });

const req = {
  userId: 42,
  template: 'retention_campaign_v1',
  payload: { actionId: 'c1:retention_campaign:42', signal: 'inactive' },
};

describe('webhook messenger against a verifying receiver', () => {
  it('posts the user, template and fields, signed: webhook-id is the idempotency key', async () => {
    const m = messenger({ findRecipient: async (id) => ({ id, email: 'u42@example.com' }) });
    const r = await m.send({ ...req, idempotencyKey: 'message:retention_campaign_v1:42:c1' });
    expect(r).toEqual({ messageId: 'message:retention_campaign_v1:42:c1' });
    const d = deliveries.at(-1)!;
    expect(d.verified).toBe(true);
    expect(d.headers['webhook-id']).toBe('message:retention_campaign_v1:42:c1');
    expect(d.headers['webhook-timestamp']).toBe(String(Math.floor(NOW.getTime() / 1000)));
    expect(d.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(d.headers['content-type']).toBe('application/json');
    expect(JSON.parse(d.body)).toEqual({
      type: WEBHOOK_EVENT_TYPE,
      timestamp: NOW.toISOString(),
      data: {
        user: { id: 42, email: 'u42@example.com' },
        template: 'retention_campaign_v1',
        fields: req.payload,
        idempotencyKey: 'message:retention_campaign_v1:42:c1',
      },
    });
  });

  it('the library rejects the delivery once its body, id or timestamp is tampered with', async () => {
    await messenger().send({ ...req, idempotencyKey: 'k-tamper' });
    const d = deliveries.at(-1)!;
    expect(verify(d.body, d.headers)).toBe(true);
    expect(verify(d.body.replace('inactive', 'active!!'), d.headers)).toBe(false);
    expect(verify(d.body, { ...d.headers, 'webhook-id': 'k-other' })).toBe(false);
    const earlier = String(Number(d.headers['webhook-timestamp']) - 1);
    expect(verify(d.body, { ...d.headers, 'webhook-timestamp': earlier })).toBe(false);
  });

  it('a sender with another secret is refused by the receiver: non-retryable', async () => {
    const other = `whsec_${Buffer.from('some-other-secret-of-32-bytes-len').toString('base64')}`;
    const err = await messenger({ secret: other })
      .send({ ...req, idempotencyKey: 'k-wrong-secret' })
      .catch((e: unknown) => e);
    expect(deliveries.at(-1)!.verified).toBe(false);
    expect(err).toBeInstanceOf(NonRetryableError);
    expect((err as NonRetryableError).code).toBe('provider_auth');
  });

  it('a re-driven effect sends the same webhook-id, re-signed', async () => {
    let clock = NOW.getTime();
    const m = messenger({ now: () => new Date((clock += 2000)) });
    await m.send({ ...req, idempotencyKey: 'k-redrive' });
    await m.send({ ...req, idempotencyKey: 'k-redrive' });
    const [a, b] = deliveries.slice(-2);
    expect([a!.headers['webhook-id'], b!.headers['webhook-id']]).toEqual(['k-redrive', 'k-redrive']);
    expect(a!.verified && b!.verified).toBe(true);
    expect(Number(b!.headers['webhook-timestamp'])).toBe(Number(a!.headers['webhook-timestamp']) + 2);
  });

  it('5xx and 429 are retryable outages, with Retry-After; other 4xx are refusals', async () => {
    forced.push([503, 'down for maintenance', { 'retry-after': '30' }]);
    const down = await messenger()
      .send({ ...req, idempotencyKey: 'k-503' })
      .catch((e: unknown) => e);
    expect(down).toBeInstanceOf(UpstreamUnavailableError);
    expect(down).toMatchObject({ upstream: 'webhook', retryAfterSeconds: 30 });
    expect((down as Error).message).toContain('down for maintenance');

    forced.push([429, 'slow down']);
    expect(
      await messenger()
        .send({ ...req, idempotencyKey: 'k-429' })
        .catch((e: unknown) => e),
    ).toBeInstanceOf(UpstreamUnavailableError);

    forced.push([422, 'unknown template']);
    const refused = await messenger()
      .send({ ...req, idempotencyKey: 'k-422' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NonRetryableError);
    expect(refused).toMatchObject({ code: 'rejected' });
  });

  it('an unreachable receiver is a retryable outage', async () => {
    const port = await freeLoopbackPort();
    const err = await createWebhookMessenger({ url: `http://127.0.0.1:${port}/x`, secret: SECRET })
      .send({ ...req, idempotencyKey: 'k-dead' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
  });

  it('refuses a user who does not exist when a recipient lookup is wired, without posting', async () => {
    const before = deliveries.length;
    await expect(
      messenger({ findRecipient: async () => null }).send({ ...req, idempotencyKey: 'k-nouser' }),
    ).rejects.toMatchObject({ name: 'NonRetryableError', code: 'no_recipient' });
    expect(deliveries.length).toBe(before);
  });
});
