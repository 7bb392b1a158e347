// The outbox relay killed mid-batch: a real worker process (MESSENGER=smtp, Mailpit) delivers queued messages, is
// SIGKILLed with a batch in flight and restarted. A TCP proxy in front of Mailpit holds back the server's answer to
// each message's end of DATA, so the kill lands after Mailpit stored the message and before the relay recorded it. Temporal retries the lost batch after its heartbeat
// timeout and the dead claim's lease runs out, so every row ends delivered; Mailpit holds exactly one distinct
// Message-ID per row, each derived from the row's idempotency key, and a second copy only of a message that was
// in flight (attempt started, outcome not recorded) when the worker died.
import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { messageIdFor } from '../../activities/effects/smtp-messenger';
import { enqueueMessage } from '../../db/repos/outbox';
import { WorkerProcess } from '../../scripts/lib/engine-processes';
import { ensureTestNamespace } from '../../scripts/lib/namespace';
import { outboxRelay } from '../../workflows';
import { SCHEDULE_IDS } from '../../workflows/definitions';
import { createTestDb, type TestDb } from '../helpers/db';
import { mailpitServer } from '../helpers/local-servers';

const NAMESPACE = 'floyo-e2e-relay-crash';
const RUN = `crash${process.pid}${Date.now().toString(36)}`;
const MESSAGES = 60;
/** How long the proxy holds Mailpit's reply to an end of DATA (the message is stored, the sender not yet told). */
const HOLD_MS = 400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let t: TestDb;
let connection: Connection;
let client: Client;
let worker: WorkerProcess;
const keys: string[] = [];
let inFlightAtKill: string[] = [];
let deliveredAtKill = 0;
let proxy: net.Server;

/** A loopback SMTP proxy to Mailpit that delays the reply following each end of DATA by HOLD_MS. */
async function startSlowSmtpProxy(host: string, port: number): Promise<number> {
  proxy = net.createServer((client) => {
    const upstream = net.connect(port, host);
    let holdNextReply = false;
    client.on('data', (chunk) => {
      if (chunk.toString('latin1').endsWith('\r\n.\r\n')) holdNextReply = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      const hold = holdNextReply;
      holdNextReply = false;
      if (hold) setTimeout(() => client.writable && client.write(chunk), HOLD_MS);
      else client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return (proxy.address() as net.AddressInfo).port;
}

async function countWhere(sql: string): Promise<number> {
  const { rows } = await t.db.raw(`SELECT count(*)::int AS n FROM engine.outbox WHERE ${sql}`);
  return Number(rows[0].n);
}

async function mailpitIds(messageId: string): Promise<string[]> {
  const q = encodeURIComponent(`message-id:"${messageId.replace(/^<|>$/g, '')}"`);
  const res = await fetch(`${mailpitServer().apiUrl}/api/v1/search?query=${q}`);
  if (!res.ok) throw new Error(`Mailpit search: ${res.status}`);
  return ((await res.json()) as { messages: { MessageID: string }[] }).messages.map((m) => `<${m.MessageID}>`);
}

beforeAll(async () => {
  t = await createTestDb('relay-crash');
  for (let i = 1; i <= MESSAGES; i++) {
    await t.db('app.users').insert({ id: i, email: `u${i}.${RUN}@example.com`, created_at: new Date('2026-10-01') });
    const key = `message:retention_campaign_v1:${i}:${RUN}`;
    keys.push(key);
    await enqueueMessage(t.db, {
      idempotencyKey: key,
      userId: i,
      template: 'retention_campaign_v1',
      payload: { actionId: `a${i}` },
      channel: 'smtp',
    });
  }
  const address = inject('temporalAddress');
  await ensureTestNamespace(address, NAMESPACE);
  connection = await Connection.connect({ address });
  client = new Client({ connection, namespace: NAMESPACE });
  const m = mailpitServer();
  const smtpPort = await startSlowSmtpProxy(m.smtpHost, m.smtpPort);
  worker = new WorkerProcess(
    { databaseUrl: t.url, temporalAddress: address, namespace: NAMESPACE, taskQueue: `relay-crash-${RUN}` },
    {
      MESSENGER: 'smtp',
      SMTP_URL: `smtp://floyo:any@127.0.0.1:${smtpPort}`,
      MAIL_FROM: 'Floyo <hello@floyo.example>',
      UNSUBSCRIBE_SECRET: 'relay-crash-secret',
      OUTBOX_RELAY_BATCH_SIZE: '20',
      // Short, so the dead claim's unsent rows are due again by the time Temporal retries the batch.
      OUTBOX_RELAY_LEASE_SECONDS: '3',
    },
  );
  await worker.start();
  // This test drives the relay itself: the worker's every-minute schedule would only add a second relay.
  await client.schedule.getHandle(SCHEDULE_IDS.relay).pause('relay-crash test drives the relay');

  const handle = await client.workflow.start(outboxRelay, {
    workflowId: `${RUN}-relay`,
    taskQueue: `relay-crash-${RUN}`,
    args: [{ maxWaitSeconds: 30 }],
  });
  // Once 25 rows went out (mid-way through the second batch of 20), the next send is under way: kill it while
  // its reply is held back.
  while ((await countWhere(`status = 'delivered'`)) < 25) await sleep(10);
  await sleep(HOLD_MS / 2);
  worker.kill();
  deliveredAtKill = await countWhere(`status = 'delivered'`);
  // Attempt counted, outcome not recorded: the message that may have reached Mailpit without its record.
  inFlightAtKill = await t
    .db('engine.outbox')
    .where({ status: 'queued' })
    .where('attempts', '>', 0)
    .whereNull('last_error')
    .pluck('idempotency_key');
  await worker.start();
  await handle.result();
  // Rows whose lease had not run out when the retried batch looked are delivered by the next run.
  for (let i = 0; i < 5 && (await countWhere(`status = 'queued'`)) > 0; i++) {
    await client.workflow.execute(outboxRelay, {
      workflowId: `${RUN}-relay-after-${i}`,
      taskQueue: `relay-crash-${RUN}`,
      args: [{ maxWaitSeconds: 10 }],
    });
  }
}, 300_000);

afterAll(async () => {
  await worker?.stop();
  await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
  // The worker created the engine's schedules in this namespace: none should fire once the test is over.
  for (const id of Object.values(SCHEDULE_IDS))
    await client?.schedule
      .getHandle(id)
      .delete()
      .catch(() => undefined);
  await connection?.close();
  await t?.drop();
});

it('killed the worker mid-run, with messages still to send', () => {
  expect(deliveredAtKill).toBeGreaterThanOrEqual(25);
  expect(deliveredAtKill).toBeLessThan(MESSAGES);
  // Sends are one at a time per relay: at most the one message in flight (the kill may also land between two
  // sends), or two when the worker's every-minute schedule started a relay in the moment before the test paused it.
  expect(inFlightAtKill.length).toBeLessThanOrEqual(2);
});

it('delivered every outbox row', async () => {
  expect(await countWhere(`status = 'delivered'`)).toBe(MESSAGES);
  expect(await countWhere(`claim_token IS NOT NULL`)).toBe(0);
});

it('Mailpit holds exactly one distinct Message-ID per row; a duplicate only of the message in flight', async () => {
  const duplicated: string[] = [];
  for (let i = 0; i < keys.length; i += 25) {
    const chunk = keys.slice(i, i + 25);
    const found = await Promise.all(chunk.map((k) => mailpitIds(messageIdFor(k, 'floyo.example'))));
    chunk.forEach((k, j) => {
      const ids = found[j]!;
      expect(ids.length, k).toBeGreaterThanOrEqual(1);
      expect(new Set(ids), k).toEqual(new Set([messageIdFor(k, 'floyo.example')]));
      if (ids.length > 1) duplicated.push(k);
    });
  }
  for (const k of duplicated) expect(inFlightAtKill).toContain(k);
  console.log(
    `[relay-crash] killed after ${deliveredAtKill}/${MESSAGES} delivered; in flight: ${inFlightAtKill.length}; re-sent: ${duplicated.length}`,
  );
});
