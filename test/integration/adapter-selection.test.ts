// Adapter selection against the real servers: a config naming stripe + smtp wires the Stripe gateway
// (stripe-mock), accepts every message into engine.outbox and delivers it to Mailpit through the relay, and /readyz
// names the adapters and probes each one: 200 when they answer, 503 when the SMTP port has no listener.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../../api/app';
import type { Db } from '../../db/knex';
import { loadConfig } from '../../platform/config';
import { freeLoopbackPort } from '../../scripts/lib/local-server';
import { relayOutboxBatch } from '../../activities/outbox-relay';
import { createAdapters } from '../../worker/adapters';
import { createTestDb, type TestDb } from '../helpers/db';
import { startHttpReceiver } from '../helpers/http-receiver';
import { mailpitServer, startRecordingProxy, stripeMockUrl, type RecordingProxy } from '../helpers/local-servers';

const RUN = `sel${process.pid}${Date.now().toString(36)}`;
const NOW = new Date('2026-11-25T12:00:00.000Z');

let t: TestDb;
let db: Db;
let connection: Connection;
let client: Client;
let stripe: RecordingProxy;

/** The config a deployment would give: stripe through stripe-mock, smtp to Mailpit. */
function realConfig(smtpPort = mailpitServer().smtpPort) {
  return loadConfig({
    PAYMENT_GATEWAY: 'stripe',
    STRIPE_API_KEY: 'sk_test_floyo',
    STRIPE_API_BASE: stripe.url,
    MESSENGER: 'smtp',
    SMTP_URL: `smtp://floyo:any@${mailpitServer().smtpHost}:${smtpPort}`,
    MAIL_FROM: 'Floyo <hello@floyo.example>',
    UNSUBSCRIBE_SECRET: 'adapter-selection-secret',
    PUBLIC_BASE_URL: 'https://app.floyo.example',
  });
}

async function readyz(adapters: ReturnType<typeof realConfig>) {
  const app = await buildApp({
    db,
    temporal: { client, namespace: inject('temporalNamespace'), taskQueue: 'none' },
    adapters,
  });
  try {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    return { status: res.statusCode, retryAfter: res.headers['retry-after'], body: res.json() };
  } finally {
    await app.close();
  }
}

beforeAll(async () => {
  t = await createTestDb('adapter-selection');
  db = t.db;
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: inject('temporalNamespace') });
  stripe = await startRecordingProxy(stripeMockUrl());
});
afterAll(async () => {
  await stripe?.close();
  await connection?.close();
  await t?.drop();
});

describe('adapter selection', () => {
  it('wires stripe and smtp from the config; each message is accepted into engine.outbox, the relay sends it', async () => {
    const adapters = createAdapters(db, realConfig(), () => NOW);
    expect(adapters.names).toEqual({ paymentGateway: 'stripe', messenger: 'smtp' });

    const paid = await adapters.payments.retryPayment({
      paymentId: 1,
      amountCents: 2900,
      idempotencyKey: `retry_payment:1:${RUN}`,
      providerRef: 'in_1FloyoSelection',
    });
    expect(paid.providerRef).toBe('in_1FloyoSelection');
    const wire = stripe.requests.at(-1)!;
    expect(wire.path).toBe('/v1/invoices/in_1FloyoSelection/pay');
    expect(wire.headers['idempotency-key']).toBe(`retry_payment:1:${RUN}`);

    const email = `user7.${RUN}@example.com`;
    await db('app.users').insert({ id: 7, email, created_at: new Date(NOW.getTime() - 30 * 86_400_000) });
    const key = `message:upgrade_offer_v1:7:${RUN}`;
    const sent = await adapters.messenger.send({
      userId: 7,
      template: 'upgrade_offer_v1',
      payload: { offerPlanId: 'pro', offerPlanName: 'Pro', offerMrrCents: 4900, actionId: 'a7' },
      idempotencyKey: key,
    });
    // The effect only accepts the message: the contact cap counts this row, the relay delivers it.
    const rows = await db('engine.outbox').where({ idempotency_key: key }).select('user_id', 'template', 'channel');
    expect(rows).toEqual([{ user_id: 7, template: 'upgrade_offer_v1', channel: 'smtp' }]);
    expect(sent.messageId).toBe(String((await db('engine.outbox').where({ idempotency_key: key }).first('id')).id));
    expect(adapters.outboxRelay).toMatchObject({ channel: 'smtp', settings: { batchSize: 50, maxAttempts: 8 } });
    expect(await relayOutboxBatch({ db, outboxRelay: adapters.outboxRelay })).toMatchObject({
      channel: 'smtp',
      claimed: 1,
      delivered: 1,
    });
    const row = await db('engine.outbox').where({ idempotency_key: key }).first();
    expect(row).toMatchObject({ status: 'delivered', attempts: 1, last_error: null });
    expect(row.provider_message_id).toMatch(/^<[0-9a-f]{32}@floyo\.example>$/);
    const found = await fetch(
      `${mailpitServer().apiUrl}/api/v1/search?query=${encodeURIComponent(`to:"${email}"`)}`,
    ).then((r) => r.json() as Promise<{ messages: { MessageID: string }[] }>);
    expect(found.messages.map((m) => `<${m.MessageID}>`)).toEqual([row.provider_message_id]);
  });

  it('defaults to the sandbox and the outbox, whose readiness is the database', async () => {
    const r = await readyz(loadConfig({}));
    expect(r.status).toBe(200);
    expect(r.body.checks).toMatchObject({
      paymentGateway: { adapter: 'sandbox', ok: true },
      messenger: { adapter: 'outbox', ok: true },
    });
  });

  it('/readyz names stripe and smtp and reports them ready, with no secret in the answer', async () => {
    const before = stripe.requests.length;
    const r = await readyz(realConfig());
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'ok',
      checks: {
        database: { ok: true },
        temporal: { ok: true },
        paymentGateway: { adapter: 'stripe', ok: true },
        messenger: { adapter: 'smtp', ok: true },
      },
    });
    // The Stripe probe is a read: GET /v1/balance, answered by stripe-mock.
    expect(stripe.requests.slice(before).map((q) => `${q.method} ${q.path} ${q.status}`)).toEqual([
      'GET /v1/balance 200',
    ]);
    const text = JSON.stringify(r.body);
    for (const secret of ['sk_test_floyo', 'adapter-selection-secret', 'floyo:any']) expect(text).not.toContain(secret);
  });

  it('/readyz is 503 with Retry-After when nothing listens on the SMTP port', async () => {
    const r = await readyz(realConfig(await freeLoopbackPort()));
    expect(r.status).toBe(503);
    expect(r.retryAfter).toBe('5');
    expect(r.body.status).toBe('degraded');
    expect(r.body.checks.paymentGateway).toMatchObject({ adapter: 'stripe', ok: true });
    expect(r.body.checks.messenger).toMatchObject({ adapter: 'smtp', ok: false });
    expect(r.body.checks.messenger.error).toMatch(/ECONNREFUSED/);
  });

  it('/readyz reaches the webhook receiver with a HEAD (nothing delivered), and is 503 when it is gone', async () => {
    const receiver = await startHttpReceiver(undefined, { status: 405 });
    const webhook = loadConfig({
      MESSENGER: 'webhook',
      MESSAGE_WEBHOOK_URL: `${receiver.url}/hooks/floyo`,
      MESSAGE_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    });
    try {
      const up = await readyz(webhook);
      expect(up.status).toBe(200);
      expect(up.body.checks.messenger).toMatchObject({ adapter: 'webhook', ok: true });
      expect(receiver.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['HEAD /hooks/floyo']);
    } finally {
      await receiver.close();
    }
    const down = await readyz(webhook);
    expect(down.status).toBe(503);
    expect(down.body.checks.messenger).toMatchObject({ adapter: 'webhook', ok: false });
  });
});
