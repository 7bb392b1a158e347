// `npm run bench -- --http`: loads the api's read routes (system-state, cycles, actions, findings) with
// autocannon, 50 connections for 10 s each, against the bench database with a completed dry-run cycle, and
// a Fastify hello-world the same way (both servers in child processes), then prints the ratios and verdicts.
import { fork, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createDb, type Db } from '../../db/knex';
import { migrateLatest } from '../../db/migrate';
import { startEngineWorker } from '../../worker/compose';
import { dataDir } from '../../platform/paths';
import { ensureDatabase, ensurePostgres, redact } from '../lib/postgres';
import { ensureTemporal } from '../lib/temporal-server';
import type { BenchArgs } from './args';
import { benchDatabaseName, prepareBenchData } from './database';
import { evaluateRoute, httpReport, type LoadResult } from './http-targets';
import { writeResults } from './report';
import { childEnv } from '../../platform/config';

export const HTTP_CONNECTIONS = 50;
export const HTTP_DURATION_S = 10;
const WARMUP_S = 2;
const CYCLE_TIMEOUT_MS = 30 * 60_000;
const TASK_QUEUE = 'floyo-bench-http';

// Judged: the read routes as dashboards and scripts poll them (answered from the read cache between changes).
// Reference rows, not judged: the same routes computed on every request (Cache-Control: no-cache, the cost of
// the first read after a change) and the plugin stack alone without PostgreSQL.
const FRESH = { 'cache-control': 'no-cache' };
export const HTTP_ROUTES: ReadonlyArray<{
  name: string;
  path: string;
  headers?: Record<string, string>;
  reference?: true;
}> = [
  { name: 'system-state', path: '/api/autonomous/system-state' },
  { name: 'cycles', path: '/api/autonomous/cycles' },
  { name: 'actions', path: '/api/autonomous/actions' },
  { name: 'findings', path: '/api/autonomous/findings' },
  { name: 'system-state, no-cache (reference)', path: '/api/autonomous/system-state', headers: FRESH, reference: true },
  { name: 'cycles, no-cache (reference)', path: '/api/autonomous/cycles', headers: FRESH, reference: true },
  { name: 'actions, no-cache (reference)', path: '/api/autonomous/actions', headers: FRESH, reference: true },
  { name: 'findings, no-cache (reference)', path: '/api/autonomous/findings', headers: FRESH, reference: true },
  { name: 'healthz (reference, no database)', path: '/healthz', reference: true },
];

type Log = (m: string) => void;

interface ChildServer {
  url: string;
  stop(): Promise<void>;
}

const SERVER_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'http-server.ts');

/** One of scripts/bench/http-server.ts's servers in a child process (the same process model for both). */
async function startChild(mode: 'hello' | 'api', env: NodeJS.ProcessEnv = {}): Promise<ChildServer> {
  const child: ChildProcess = fork(SERVER_SCRIPT, [mode], {
    execArgv: ['--import', 'tsx'],
    env: childEnv(env),
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url?: string; error?: string }) =>
      m.url ? resolve(m.url) : reject(new Error(`${mode} server: ${m.error}`)),
    );
    child.once('exit', (code) => reject(new Error(`${mode} server exited with code ${code} before listening`)));
  });
  return {
    url,
    stop: async () => {
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function load(url: string, headers: Record<string, string>, durationS: number, connections: number) {
  return autocannon({ url, headers, connections, duration: durationS });
}

async function measure(name: string, base: string, p: string, headers: Record<string, string>, log: Log) {
  await load(base + p, headers, WARMUP_S, 10);
  // Says whether the load below is served from the read cache (hit), computed each time (miss) or neither.
  const probe = await fetch(base + p, { headers });
  const cache = probe.headers.get('x-cache') ?? 'not cached';
  const r = await load(base + p, headers, HTTP_DURATION_S, HTTP_CONNECTIONS);
  const result: LoadResult = {
    name,
    path: p,
    requestsPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
  log(
    `${name}: ${Math.round(result.requestsPerSec)} req/s, p99 ${result.p99Ms} ms, ${result.non2xx} non-2xx (x-cache: ${cache})`,
  );
  return result;
}

/** The latest completed dry-run cycle of the bench database; runs one through Temporal when there is none. */
async function ensureCompletedCycle(db: Db, apiUrl: string, key: string, temporalAddress: string, log: Log) {
  const done = await db('engine.cycles')
    .where({ kind: 'cycle', status: 'completed' })
    .orderBy('started_at', 'desc')
    .first('id');
  if (done) return String(done.id);
  log('no completed cycle in the bench database: running a dry-run cycle (a worker in this process)');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const worker = await startEngineWorker({
    db,
    temporalAddress,
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    log,
    ensureSchedules: false,
  });
  try {
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const res = await fetch(`${apiUrl}/api/autonomous/run-cycle`, { method: 'POST', headers, body: '{}' });
    if (res.status !== 202) throw new Error(`run-cycle answered ${res.status}: ${await res.text()}`);
    const { cycleId } = (await res.json()) as { cycleId: string };
    const deadline = Date.now() + CYCLE_TIMEOUT_MS;
    for (;;) {
      const c = (await (await fetch(`${apiUrl}/api/autonomous/cycles/${cycleId}`, { headers })).json()) as {
        status: string;
      };
      if (c.status === 'completed') return cycleId;
      if (c.status !== 'running') throw new Error(`cycle ${cycleId} ended ${c.status}`);
      if (Date.now() > deadline) throw new Error(`cycle ${cycleId} did not complete within 30 min`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await worker.shutdown();
  }
}

export async function runHttpBench(args: BenchArgs, log: Log): Promise<number> {
  const database = benchDatabaseName(args.users);
  const pg = await ensurePostgres({ log, database });
  await ensureDatabase(pg.adminUrl, database);
  const db = createDb(pg.url, { poolMax: 4, applicationName: 'floyo-bench-http' });
  const temporal = await ensureTemporal({ log });
  const children: ChildServer[] = [];
  try {
    await migrateLatest(db);
    const data = await prepareBenchData(db, { users: args.users, seed: args.seed, reseed: args.reseed, log });
    if (!data.seeded) log(data.reason);
    const key = `bench-http-${crypto.randomBytes(16).toString('hex')}`;
    const api = await startChild('api', {
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      ENGINE_BOOTSTRAP_ADMIN_KEY: key,
      // The per-key limit (600 a minute) would turn the load into 429s: lifted for the bench's key.
      API_RATE_LIMIT_MAX: '1000000000',
    });
    children.push(api);
    log(`api on ${api.url} (database ${database}, ${redact(pg.url)})`);
    const cycleId = await ensureCompletedCycle(db, api.url, key, temporal.address, log);
    log(`reading the state of cycle ${cycleId}`);
    const hello = await startChild('hello');
    children.push(hello);

    const loadBefore = os.loadavg();
    log(`load: ${HTTP_CONNECTIONS} connections, ${HTTP_DURATION_S} s per route after a ${WARMUP_S} s warm-up`);
    const headers = { authorization: `Bearer ${key}` };
    const verdicts = [];
    for (const r of HTTP_ROUTES) {
      // hello-world right before each route: on a shared machine the load moves within a run, and a baseline
      // measured once at the start moved the ratios by up to 15 points between runs.
      const baseline = await measure('hello-world', hello.url, '/', {}, log);
      const result = await measure(r.name, api.url, r.path, { ...headers, ...r.headers }, log);
      verdicts.push(evaluateRoute(result, baseline, { reference: r.reference ?? false }));
    }
    const loadAfter = os.loadavg();

    console.log('');
    console.log(
      `HTTP bench: ${args.users.toLocaleString('en-US')} users, cycle ${cycleId}, ${HTTP_CONNECTIONS} connections, ` +
        `${HTTP_DURATION_S} s per route; load average ${loadBefore[0]!.toFixed(1)} → ${loadAfter[0]!.toFixed(1)} on ${os.cpus().length} CPUs`,
    );
    console.log(httpReport(verdicts));
    const file = writeResults(path.join(dataDir, 'bench'), args.users, new Date(), {
      mode: 'http',
      cycleId,
      connections: HTTP_CONNECTIONS,
      durationS: HTTP_DURATION_S,
      machine: { cpus: os.cpus().length, node: process.version, loadAverage: { before: loadBefore, after: loadAfter } },
      routes: verdicts,
    });
    const failed = verdicts.filter((v) => v.status === 'FAIL');
    console.log('');
    console.log(
      `${failed.length ? `${failed.length} route(s) FAILED: ${failed.map((v) => v.route.name).join(', ')}` : 'all routes passed'}; results ${path.relative(process.cwd(), file)}`,
    );
    return failed.length && args.strict ? 1 : 0;
  } finally {
    for (const c of children.reverse()) await c.stop().catch(() => undefined);
    await db.destroy();
    await temporal.stop();
    await pg.stop();
  }
}
