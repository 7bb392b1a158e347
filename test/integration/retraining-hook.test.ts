// The model-retraining hook end to end: the learn activity (the one the worker registers) exports the cycle's
// resolved suggestions and threshold under RETRAIN_DIR and notifies a small retraining workflow on its own
// namespace and task queue (real dev server) and a signed webhook (a local HTTP receiver). The first attempt
// fails after the workflow started (the webhook answers 503); the retry, and a third run after the retraining
// workflow finished, start nothing again: the workflow received the manifest once, and the files match it.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities, type Activities } from '../../activities';
import { createOutboxMessenger } from '../../activities/effects/outbox-messenger';
import { createSandboxPaymentGateway } from '../../activities/effects/sandbox-payment-gateway';
import { retrainingIdOf, type RetrainingRequest } from '../../activities/retraining/hook';
import { resolvedSuggestionBatches } from '../../db/queries/resolved-suggestions';
import { ensureTestNamespace } from '../../scripts/lib/namespace';
import { createRetrainingHook } from '../../worker/retraining';
import { createTestDb, type TestDb } from '../helpers/db';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver';
import { mulberry32 } from '../helpers/random';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const DAY = 86_400_000;
const NAMESPACE = 'floyo-test-retraining';
const SECRET = `whsec_${Buffer.from('retraining-hook-test-secret-32-b').toString('base64')}`;
const suffix = `${process.pid}-${Date.now().toString(36)}`;
const TASK_QUEUE = `test-retraining-${suffix}`;

let t: TestDb;
let dir: string;
let rx: HttpReceiver;
let connection: Connection;
let client: Client;
let nativeConnection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let activities: Activities;
const received: RetrainingRequest[] = [];
let resolvedBeforeNow = 0;

async function openCycle(id: string, dryRun: boolean) {
  await t.db('engine.cycles').insert({
    id,
    kind: 'cycle',
    trigger: 'api',
    requested_by: 'test',
    dry_run: dryRun,
    phases: ['learn'],
    logical_now: NOW,
  });
  return { cycleId: id, kind: 'cycle' as const, dryRun, now: NOW.toISOString() };
}

beforeAll(async () => {
  t = await createTestDb('retraining_hook');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'floyo-retrain-'));
  rx = await startHttpReceiver();
  const rand = mulberry32(11);
  const rows = Array.from({ length: 240 }, (_, i) => {
    const confidence = Math.round(rand() * 1000) / 1000;
    const shown = NOW.getTime() - Math.floor(rand() * 30 * DAY) - 3_600_000;
    const status = i % 10 === 0 ? 'shown' : rand() < confidence ? 'applied' : 'dismissed';
    // Some resolutions fall after the cycle's now (left out); a few resolved rows carry no resolved_at.
    const resolvedAt =
      status === 'shown'
        ? null
        : i % 17 === 0
          ? new Date(NOW.getTime() + DAY)
          : i % 23 === 0
            ? null
            : new Date(shown + 60_000);
    if (status !== 'shown' && (resolvedAt === null || resolvedAt < NOW)) resolvedBeforeNow++;
    return {
      id: i + 1,
      user_id: (i % 50) + 1,
      kind: i % 2 ? 'next_step' : 'template',
      confidence,
      status,
      shown_at: new Date(shown),
      resolved_at: resolvedAt,
      model_version: i % 3 ? 'v4' : null,
    };
  });
  await t.db('app.suggestions').insert(rows);

  const address = inject('temporalAddress');
  await ensureTestNamespace(address, NAMESPACE);
  nativeConnection = await NativeConnection.connect({ address });
  worker = await Worker.create({
    connection: nativeConnection,
    namespace: NAMESPACE,
    taskQueue: TASK_QUEUE,
    workflowsPath: path.resolve(import.meta.dirname, '../helpers/retraining-workflow.ts'),
    activities: {
      receiveRetrainingRequest: async (request: RetrainingRequest) => {
        received.push(request);
      },
    },
  });
  running = worker.run();
  connection = await Connection.connect({ address });
  client = new Client({ connection, namespace: NAMESPACE });
  const clock = () => new Date();
  const retraining = createRetrainingHook(
    {
      RETRAIN_DIR: dir,
      RETRAIN_WORKFLOW: 'retrainModel',
      RETRAIN_TASK_QUEUE: TASK_QUEUE,
      RETRAIN_NAMESPACE: NAMESPACE,
      RETRAIN_WEBHOOK_URL: `${rx.url}/hooks/retrain`,
      RETRAIN_WEBHOOK_SECRET: SECRET,
      RETRAIN_IN_DRY_RUN: false,
    },
    { connection, namespace: inject('temporalNamespace') },
    clock,
  );
  activities = createActivities({
    db: t.db,
    payments: createSandboxPaymentGateway(t.db, clock),
    messenger: createOutboxMessenger(t.db),
    approvals: {
      start: () => Promise.reject(new Error('the learn phase starts no approval')),
    },
    clock,
    retraining,
  });
}, 120_000);

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await nativeConnection?.close();
  await connection?.close();
  await rx?.close();
  await t?.drop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('the retraining hook of the learn phase', () => {
  it('starts the retraining workflow once with the manifest, however often learn is retried', async () => {
    const cycleId = `cycle-retrain-live-${suffix}`;
    const ctx = await openCycle(cycleId, false);
    const workflowId = retrainingIdOf(cycleId);

    // Attempt 1: the export is written and the workflow started, then the webhook is down: the attempt fails.
    rx.reply({ status: 503, body: 'down for maintenance' }, { status: 202, body: 'accepted' });
    await expect(activities.learn(ctx)).rejects.toThrow(/503.*will retry/);
    // Attempt 2 (the retry) while the workflow may still run; attempt 3 after it has completed.
    const second = await activities.learn(ctx);
    expect(second.counts).toMatchObject({ retrainingRows: resolvedBeforeNow, retrainingNotified: 2 });
    const result = (await client.workflow.getHandle(workflowId).result()) as RetrainingRequest;
    await activities.learn(ctx);

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(result).toEqual(request);
    // The run that completed is the only one: REJECT_DUPLICATE refused the later starts.
    const described = await client.workflow.getHandle(workflowId).describe();
    expect(described.status.name).toBe('COMPLETED');

    // The files on disk are the ones the manifest describes.
    const target = path.join(dir, cycleId);
    expect(request).toMatchObject({
      directory: target,
      datasetPath: path.join(target, 'suggestions.jsonl'),
      manifestPath: path.join(target, 'manifest.json'),
      dryRun: false,
    });
    const manifestOnDisk = JSON.parse(await fs.readFile(request!.manifestPath, 'utf8'));
    expect(request!.manifest).toEqual(manifestOnDisk);
    const jsonl = await fs.readFile(request!.datasetPath);
    expect(crypto.createHash('sha256').update(jsonl).digest('hex')).toBe(request!.manifest.sha256);
    const lines = jsonl.toString().trimEnd().split('\n');
    expect(lines).toHaveLength(request!.manifest.rowCount);
    expect(request!.manifest).toMatchObject({ cycleId, rowCount: resolvedBeforeNow, excludedRows: 0 });
    // The dataset is the very sample the recommended threshold was computed on.
    expect(request!.manifest.recommendedThreshold.sampleSize).toBe(resolvedBeforeNow);
    expect(request!.manifest.recommendedThreshold.threshold).not.toBeNull();
    expect(lines.some((l) => JSON.parse(l).resolved_at === null)).toBe(true);
    expect(await fs.readdir(dir)).toEqual([cycleId]);

    // The webhook: the failed delivery and the retried one, both signed, one webhook-id from the cycle.
    expect(rx.requests).toHaveLength(3);
    const verifier = new Webhook(SECRET);
    for (const req of rx.requests) {
      expect(req.headers['webhook-id']).toBe(workflowId);
      const body = verifier.verify(req.body, req.headers as Record<string, string>) as { type: string; data: unknown };
      expect(body).toMatchObject({
        type: 'retraining.dataset_exported',
        data: { manifest: { sha256: request!.manifest.sha256 } },
      });
    }

    const audit = await t.db('engine.audit_log').where({ cycle_id: cycleId }).whereLike('event', 'retraining.%');
    expect(audit.map((a) => a.event).sort()).toEqual([
      'retraining.exported',
      'retraining.notified',
      'retraining.notified',
    ]);
  });

  it('reads the rows through a cursor in batches, in resolution order, the same rows whatever the batch size', async () => {
    const collect = async (size: number) => {
      const batches: number[] = [];
      const ids: number[] = [];
      for await (const b of resolvedSuggestionBatches(t.db, NOW, size)) {
        batches.push(b.length);
        ids.push(...b.map((r) => r.id));
      }
      return { batches, ids };
    };
    const whole = await collect(10_000);
    const paged = await collect(50);
    expect(whole.ids).toHaveLength(resolvedBeforeNow);
    expect(paged.ids).toEqual(whole.ids);
    expect(paged.batches.slice(0, -1).every((n) => n === 50)).toBe(true);
    // Stopping early ends the cursor's transaction: the pool is not left with an open one.
    for await (const b of resolvedSuggestionBatches(t.db, NOW, 10)) if (b.length) break;
    const open = await t.db.raw(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`,
    );
    expect(open.rows[0].n).toBe(0);
  });

  it('a dry-run cycle exports its dataset but notifies nobody', async () => {
    const cycleId = `cycle-retrain-dry-${suffix}`;
    const ctx = await openCycle(cycleId, true);
    const before = rx.requests.length;
    const summary = await activities.learn(ctx);
    expect(summary.counts).toMatchObject({ retrainingRows: resolvedBeforeNow, retrainingNotified: 0 });
    const manifest = JSON.parse(await fs.readFile(path.join(dir, cycleId, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ cycleId, rowCount: resolvedBeforeNow });
    await expect(client.workflow.getHandle(retrainingIdOf(cycleId)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
    expect(rx.requests.length).toBe(before);
  });
});
