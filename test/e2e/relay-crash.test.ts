// The outbox relay killed mid-batch: a real worker process (MESSENGER=smtp, Mailpit) delivers a few hundred queued
// messages, is SIGKILLed with a batch in flight and restarted. Temporal retries the lost batch after its heartbeat
// timeout and the dead claim's lease runs out, so every row ends delivered; Mailpit holds exactly one distinct
// Message-ID per row, each derived from the row's idempotency key, and a second copy only of a message that was
// in flight (attempt started, outcome not recorded) when the worker died.
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { messageIdFor } from '../../activities/effects/smtp-messenger';
import { enqueueMessage } from '../../db/repos/outbox';
import { WorkerProcess } from '../../scripts/lib/chaos';
import { ensureTestNamespace } from '../../scripts/lib/namespace';
import { outboxRelay } from '../../workflows';
import { SCHEDULE_IDS } from '../../workflows/definitions';
import { createTestDb, type TestDb } from '../helpers/db';
import { mailpitServer } from '../helpers/local-servers';

const NAMESPACE = 'floyo-e2e-relay-crash';
const RUN = `crash${process.pid}${Date.now().toString(36)}`;
const MESSAGES = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let t: TestDb;
let connection: Connection;
let client: Client;
let worker: WorkerProcess;
const keys: string[] = [];
let inFlightAtKill: string[] = [];
let deliveredAtKill = 0;

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
  worker = new WorkerProcess(
    { databaseUrl: t.url, temporalAddress: address, namespace: NAMESPACE, taskQueue: `relay-crash-${RUN}` },
    {
      MESSENGER: 'smtp',
      SMTP_URL: `smtp://floyo:any@${m.smtpHost}:${m.smtpPort}`,
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
  // Kill it once a third of the rows went out, with the rest of the batch (and one send) in flight.
  for (;;) {
    deliveredAtKill = await countWhere(`status = 'delivered'`);
    if (deliveredAtKill >= MESSAGES / 3) break;
    await sleep(10);
  }
  worker.kill();
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
  await client?.schedule
    .getHandle(SCHEDULE_IDS.relay)
    .delete()
    .catch(() => undefined);
  await connection?.close();
  await t?.drop();
});

it('killed the worker mid-run, with messages still to send', () => {
  expect(deliveredAtKill).toBeGreaterThanOrEqual(MESSAGES / 3);
  expect(deliveredAtKill).toBeLessThan(MESSAGES);
  // Sends are one at a time: at most the one message in flight.
  expect(inFlightAtKill.length).toBeLessThanOrEqual(1);
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
