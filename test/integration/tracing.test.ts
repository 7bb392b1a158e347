// OpenTelemetry tracing end to end: with an OTLP endpoint configured, the worker (bundling its
// workflows with the tracing interceptors) and a client export spans over OTLP/HTTP to a collector —
// here a real HTTP server that records what it receives — and a cycle's client, workflow and activity
// spans share one trace.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig, type Config } from '../../platform/config';
import { setupTracing, tracingEndpoint } from '../../platform/tracing';
import { startEngineWorker, type RunningWorker } from '../../worker/compose';
import { autonomousCycle } from '../../workflows';
import type { CycleInput } from '../../workflows/definitions';
import { createTestDb, type TestDb } from '../helpers/db';

interface ReceivedSpan {
  name: string;
  traceId: string;
  service: string | undefined;
}

const received: ReceivedSpan[] = [];
let collector: http.Server;
let t: TestDb;
let worker: RunningWorker;
let tracingConfig: Config;
const taskQueue = `test-tracing-${process.pid}-${Date.now().toString(36)}`;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  collector = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const doc = JSON.parse(body) as {
          resourceSpans: Array<{
            resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
            scopeSpans: Array<{ spans: Array<{ name: string; traceId: string }> }>;
          }>;
        };
        for (const rs of doc.resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans) received.push({ name: s.name, traceId: s.traceId, service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  tracingConfig = loadConfig({
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
  });
  t = await createTestDb('tracing');
  // No prebuilt bundle: the worker bundles workflows/ with the tracing plugin's workflow interceptors.
  worker = await startEngineWorker({
    db: t.db,
    temporalAddress: inject('temporalAddress'),
    namespace: inject('temporalNamespace'),
    taskQueue,
    log: () => undefined,
    ensureSchedules: false,
    tracing: setupTracing('floyo-worker', tracingConfig),
  });
}, 180_000);
afterAll(async () => {
  await worker?.shutdown();
  await t?.drop();
  await new Promise((r) => collector?.close(r));
});

describe('tracing', () => {
  it('is off without an OTLP endpoint', () => {
    expect(tracingEndpoint({})).toBeNull();
    expect(setupTracing('x', {})).toBeNull();
  });

  it('sends to /v1/traces of the generic endpoint, or to the traces endpoint as given', () => {
    expect(tracingEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(
      tracingEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom',
      }),
    ).toBe('http://traces:4318/custom');
  });

  it('exports one trace from the client call through the workflow to its activities', async () => {
    const tracing = setupTracing('floyo-test', tracingConfig)!;
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const client = new Client({ connection, namespace: inject('temporalNamespace'), plugins: tracing.plugins });
    const input: CycleInput = { dryRun: true, trigger: 'api', requestedBy: 'tracing-test', phases: ['analyze'] };
    const workflowId = `tracing-cycle-${Date.now().toString(36)}`;
    await client.workflow.execute(autonomousCycle, { workflowId, taskQueue, args: [input] });
    await connection.close();
    // The worker exports the workflow's spans when its last activation completes, in 1 s batches.
    await expect
      .poll(() => received.map((s) => s.name), { timeout: 10_000, interval: 100 })
      .toContain('RunWorkflow:autonomousCycle');
    await tracing.shutdown(); // flushes the rest

    const start = received.find((s) => s.name === 'StartWorkflow:autonomousCycle');
    expect(start, `spans received: ${received.map((s) => s.name).join(', ')}`).toBeDefined();
    const trace = received.filter((s) => s.traceId === start!.traceId).map((s) => s.name);
    expect(trace).toEqual(expect.arrayContaining(['StartWorkflow:autonomousCycle', 'RunWorkflow:autonomousCycle']));
    expect(trace.some((n) => n.startsWith('RunActivity:'))).toBe(true);
    expect(start!.service).toBe('floyo-worker');
  }, 120_000);
});
