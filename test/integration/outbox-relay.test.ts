// The outbox relay as Temporal work on the real dev server, delivering to a local webhook receiver that verifies
// every delivery with the Standard Webhooks library: an outage (500s, then the receiver gone) delays delivery and
// loses nothing, each retry carries the same webhook-id; a 4xx refusal is bounced at once; a receiver that never
// recovers fails the message after its last attempt; the platform mailer's rows are left alone; the kill switch
// holds deliveries. Every final outcome is in the audit log.
import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxRelay } from '../../activities/deps';
import { createWebhookMessenger } from '../../activities/effects/webhook-messenger';
import type { Db } from '../../db/knex';
import { setPolicy } from '../../db/repos/config';
import { enqueueMessage, type OutboxChannel } from '../../db/repos/outbox';
import { freeLoopbackPort } from '../../scripts/lib/local-server';
import { outboxRelay } from '../../workflows';
import { createTestDb, type TestDb } from '../helpers/db';
import { startTestWorker, type TestWorker } from '../helpers/temporal';

const SECRET = `whsec_${Buffer.from('floyo-outbox-relay-test-secret-32b').toString('base64')}`;
const RUN = `relay${process.pid}${Date.now().toString(36)}`;

let t: TestDb;
let db: Db;
let w: TestWorker;
let port: number;
let server: http.Server | null = null;
/** What the receiver got, verified or not, in order. */
const received: Array<{ id: string; verified: boolean; status: number }> = [];
/** Statuses to answer before answering 204 to verified deliveries again. */
const script: number[] = [];

function verified(body: string, headers: http.IncomingHttpHeaders): boolean {
  try {
    new Webhook(SECRET).verify(body, headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

async function receiverUp(): Promise<void> {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const ok = verified(body, req.headers);
      const status = script.shift() ?? (ok ? 204 : 401);
      received.push({ id: String(req.headers['webhook-id']), verified: ok, status });
      res.writeHead(status);
      res.end(status >= 400 ? `answered ${status}` : undefined);
    });
  });
  await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
}

async function receiverDown(): Promise<void> {
  const s = server;
  server = null;
  if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
}

let n = 0;
async function queue(count: number, channel: OutboxChannel = 'webhook'): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = `message:retention_campaign_v1:${++n}:${RUN}`;
    await enqueueMessage(db, {
      idempotencyKey: key,
      userId: 1000 + n,
      template: 'retention_campaign_v1',
      payload: { actionId: `a${n}` },
      channel,
    });
    keys.push(key);
  }
  return keys;
}

const rowsOf = (keys: string[]) => db('engine.outbox').whereIn('idempotency_key', keys).orderBy('id');
const sends = (key: string) => received.filter((r) => r.id === key);

let runs = 0;
const relay = (input: { maxWaitSeconds?: number } = {}) =>
  w.client.workflow.execute(outboxRelay, {
    workflowId: `${RUN}-relay-${++runs}`,
    taskQueue: w.taskQueue,
    args: [{ maxWaitSeconds: 20, ...input }],
  });

beforeAll(async () => {
  t = await createTestDb('outbox-relay');
  db = t.db;
  port = await freeLoopbackPort();
  await receiverUp();
  const outboxRelayDeps: OutboxRelay = {
    channel: 'webhook',
    transport: createWebhookMessenger({ url: `http://127.0.0.1:${port}/hooks/messages`, secret: SECRET }),
    settings: { batchSize: 10, maxAttempts: 3, baseDelaySeconds: 1, maxDelaySeconds: 2, leaseSeconds: 30 },
  };
  w = await startTestWorker(db, { label: 'outbox-relay', deps: { outboxRelay: outboxRelayDeps } });
}, 60_000);
afterAll(async () => {
  await w?.shutdown();
  await receiverDown();
  await t?.drop();
});

describe('outbox relay over a webhook', () => {
  it('delivers every due message once, signed, webhook-id = the idempotency key, and audits it', async () => {
    const keys = await queue(3);
    const r = await relay();
    expect(r).toMatchObject({ channel: 'webhook', claimed: 3, delivered: 3, retrying: 0, nextDueInSeconds: null });
    for (const k of keys) expect(sends(k)).toEqual([{ id: k, verified: true, status: 204 }]);
    const rows = await rowsOf(keys);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'delivered', attempts: 1, claim_token: null, last_error: null });
      expect(row.provider_message_id).toBe(row.idempotency_key);
      expect(row.completed_at).toBeInstanceOf(Date);
    }
    const audit = await db('engine.audit_log').where({ event: 'message.delivered' }).whereIn('target', keys);
    expect(audit).toHaveLength(3);
    expect(audit[0]).toMatchObject({ actor: 'outbox-relay', dry_run: false });
    // Nothing due: a second run sends nothing.
    expect(await relay()).toMatchObject({ claimed: 0, delivered: 0 });
    expect(received).toHaveLength(3);
  });

  it('an outage of 500s, then of no receiver at all, delays delivery and loses nothing', async () => {
    const keys = await queue(4);
    script.push(500, 500);
    // Run 1: the first message meets the 500s (the batch stops at an outage and gives the rest back), then the
    // receiver recovers within the run's wait budget: all delivered, the first one on its 3rd attempt.
    const first = await relay();
    expect(first).toMatchObject({ delivered: 4, failed: 0, bounced: 0 });
    expect(first.retrying).toBeGreaterThanOrEqual(2);
    expect(first.released).toBeGreaterThan(0);
    expect(sends(keys[0]!).map((s) => s.status)).toEqual([500, 500, 204]);
    for (const k of keys.slice(1)) expect(sends(k).map((s) => s.status)).toEqual([204]);
    // Every retry was the same delivery: same webhook-id, re-signed.
    expect(sends(keys[0]!).every((s) => s.verified)).toBe(true);
    expect((await rowsOf(keys)).map((r) => [r.status, r.attempts])).toEqual([
      ['delivered', 3],
      ['delivered', 1],
      ['delivered', 1],
      ['delivered', 1],
    ]);

    // The receiver gone: connection refused; the run ends with the message queued, its error recorded.
    await receiverDown();
    const [gone] = await queue(1);
    const down = await relay({ maxWaitSeconds: 0 });
    expect(down).toMatchObject({ delivered: 0, retrying: 1 });
    expect(down.nextDueInSeconds).not.toBeNull();
    const waiting = (await rowsOf([gone!]))[0];
    expect(waiting).toMatchObject({ status: 'queued', attempts: 1, claim_token: null });
    expect(waiting.last_error).toMatch(/unreachable/);
    // Back up: the next run delivers it.
    await receiverUp();
    expect(await relay()).toMatchObject({ delivered: 1 });
    expect((await rowsOf([gone!]))[0]).toMatchObject({ status: 'delivered', attempts: 2, last_error: null });
    expect(sends(gone!)).toEqual([{ id: gone, verified: true, status: 204 }]);
  });

  it('a 4xx refusal bounces the message at once; a receiver that never recovers fails it after the last attempt', async () => {
    const [refused] = await queue(1);
    script.push(422);
    expect(await relay()).toMatchObject({ bounced: 1, delivered: 0 });
    const bounced = (await rowsOf([refused!]))[0];
    expect(bounced).toMatchObject({ status: 'bounced', attempts: 1 });
    expect(bounced.last_error).toMatch(/refused the message \(422\)/);

    const [doomed] = await queue(1);
    script.push(503, 503, 503);
    const r = await relay();
    expect(r).toMatchObject({ failed: 1, delivered: 0 });
    const failed = (await rowsOf([doomed!]))[0];
    expect(failed).toMatchObject({ status: 'failed', attempts: 3 });
    expect(failed.last_error).toMatch(/^after 3 attempts: .*\(503\)/);
    expect(sends(doomed!)).toHaveLength(3);
    const audit = await db('engine.audit_log').whereIn('target', [refused!, doomed!]).orderBy('id');
    expect(audit.map((a) => [a.target, a.event])).toEqual([
      [refused, 'message.bounced'],
      [doomed, 'message.failed'],
    ]);
  });

  it("leaves the platform mailer's rows alone, and holds everything while the kill switch is on", async () => {
    const [mailer] = await queue(1, 'outbox');
    const [held] = await queue(1);
    await setPolicy(db, 'kill_switch', { enabled: true }, 'test', 'hold deliveries');
    expect(await relay({ maxWaitSeconds: 0 })).toMatchObject({ held: true, claimed: 0 });
    expect(sends(held!)).toHaveLength(0);
    await setPolicy(db, 'kill_switch', { enabled: false }, 'test', 'release');
    expect(await relay()).toMatchObject({ held: false, delivered: 1 });
    expect(sends(held!)).toHaveLength(1);
    expect((await rowsOf([mailer!]))[0]).toMatchObject({ channel: 'outbox', status: 'queued', attempts: 0 });
    expect(sends(mailer!)).toHaveLength(0);
  });
});
