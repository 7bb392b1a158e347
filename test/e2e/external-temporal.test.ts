// A Temporal server the engine did not start, without its search attributes (as a plain cluster is): the api
// answers a cycle start with a 503 problem naming the missing attribute and the fix, never a 500; the worker's
// start-up check registers the attributes (a dev server allows it), and then the same request starts a cycle.
import { spawn, type ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { msToTs } from '@temporalio/common/lib/time';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp, type App } from '../../api/app';
import { createApiKey } from '../../db/repos/api-keys';
import { SEARCH_ATTRIBUTES } from '../../platform/search-attributes';
import { devConfigFile } from '../../scripts/lib/launch-env';
import { loadDevConfig } from '../../scripts/lib/dev-config';
import { resolveTemporalCli } from '../../scripts/lib/temporal-cli';
import { startEngineWorker } from '../../worker/compose';
import { ensureSearchAttributes, SearchAttributesMissingError } from '../../worker/search-attributes';
import { createTestDb, type TestDb } from '../helpers/db';
import { problemOf } from './harness';
import { freePort } from './launcher';

const NAMESPACE = 'default';

let server: ChildProcess | undefined;
let address: string;
let connection: Connection;
let t: TestDb;
let app: App;
let operator: string;

beforeAll(async () => {
  // The SDK's info logs (pollers, state changes) are noise in the test output.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const cli = await resolveTemporalCli(loadDevConfig(devConfigFile()), () => undefined);
  const [grpc, http, metrics] = [await freePort(), await freePort(), await freePort()];
  address = `127.0.0.1:${grpc}`;
  // In memory (no --db-filename) and no --search-attribute flags: a bare server.
  server = spawn(
    cli,
    [
      'server',
      'start-dev',
      '--headless',
      '--ip',
      '127.0.0.1',
      '--port',
      String(grpc),
      '--http-port',
      String(http),
    ].concat(['--metrics-port', String(metrics), '--namespace', NAMESPACE, '--log-level', 'error']),
    { stdio: 'ignore' },
  );
  for (let attempt = 0; ; attempt++) {
    try {
      connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      break;
    } catch (err) {
      if (attempt >= 120) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  t = await createTestDb('external-temporal');
  app = await buildApp({
    db: t.db,
    temporal: { client: new Client({ connection, namespace: NAMESPACE }), namespace: NAMESPACE, taskQueue: 'ext-test' },
    uiUrl: null,
    bootstrapAdminKey: `e2e-admin-key-external-${process.pid}`,
  });
  await app.ready();
  operator = (await createApiKey(t.db, 'oscar-operator', 'operator')).key;
});

afterAll(async () => {
  await app?.close();
  await connection?.close();
  await t?.drop();
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
});

const runCycle = () =>
  app.inject({
    method: 'POST',
    url: '/api/autonomous/run-cycle',
    headers: { authorization: `Bearer ${operator}` },
    payload: {},
  });

async function customAttributes(): Promise<Record<string, unknown>> {
  const res = await connection.operatorService.listSearchAttributes({ namespace: NAMESPACE });
  return res.customAttributes ?? {};
}

describe('a Temporal server without the search attributes', () => {
  it('answers run-cycle with a 503 problem naming the missing attribute and the fix', async () => {
    expect(Object.keys(await customAttributes())).not.toContain('FloyoCycleKind');
    const res = await runCycle();
    expect(res.statusCode).toBe(503);
    const p = problemOf(res);
    expect(p.type).toBe('urn:floyo:problem:dependency-unavailable');
    expect(p.detail).toMatch(/no search attribute Floyo\w+/);
    expect(p.detail).toContain(
      `temporal operator search-attribute create --namespace ${NAMESPACE} --name FloyoCycleKind`,
    );
  });

  it('gets them registered by the worker at start, before its schedules, and then starts a cycle', async () => {
    const lines: string[] = [];
    const worker = await startEngineWorker({
      db: t.db,
      temporalAddress: address,
      namespace: NAMESPACE,
      taskQueue: `ext-${process.pid}`,
      log: (m) => lines.push(m),
      workflowBundlePath: inject('workflowBundlePath'),
      tracing: null,
    });
    try {
      expect(lines[0]).toBe(
        `Temporal: registered search attributes ${SEARCH_ATTRIBUTES.map((k) => k.name).join(', ')} in "${NAMESPACE}"`,
      );
      expect(Object.keys(await customAttributes())).toEqual(
        expect.arrayContaining(SEARCH_ATTRIBUTES.map((k) => k.name)),
      );
      expect(worker.schedules.length).toBeGreaterThan(0);
      expect(worker.schedules.every((s) => s.created)).toBe(true);
    } finally {
      await worker.shutdown();
    }
    const res = await runCycle();
    expect(res.statusCode).toBe(202);
  });

  it('stops with one line holding the exact command when the server refuses to register them', async () => {
    // A namespace whose Int slots are taken (the dev server's SQLite has three), so adding FloyoHealthScore fails.
    const full = 'ext-full';
    await connection.workflowService.registerNamespace({
      namespace: full,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    const int = encodeSearchAttributeIndexedValueType(SearchAttributeType.INT)!;
    for (let attempt = 0; ; attempt++) {
      try {
        await connection.operatorService.addSearchAttributes({
          namespace: full,
          searchAttributes: { Filler1: int, Filler2: int, Filler3: int },
        });
        break;
      } catch (err) {
        // A new namespace takes a moment to reach every service of the dev server.
        if (attempt >= 60) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const err = await ensureSearchAttributes(connection, full, { address }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SearchAttributesMissingError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain(
      `have an operator run: temporal operator search-attribute create --address ${address} --namespace ${full}` +
        ' --name FloyoCycleKind --name FloyoTrigger --type Keyword',
    );
    expect(message).toContain(`--namespace ${full} --name FloyoHealthScore --type Int`);
  });
});
