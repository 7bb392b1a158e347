// `npm start`: the whole engine on one machine. Starts (or reuses) the Temporal dev server and
// PostgreSQL, migrates, seeds demo data when `app` is empty, starts Mailpit for the demo's emails (unless
// MESSENGER is set), runs the worker and the api, prints where everything is, and stops what it started
// on Ctrl-C. Data persists under .data/ between runs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startApi } from '../api/server';
import { createDb } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { startEngineWorker } from '../worker/compose';
import { installRuntime } from '../worker/runtime-logging';
import { config } from '../platform/config';
import { ensureDashboardBuilt } from './lib/dashboard';
import { buildDemoMailpit, demoMailWanted, startDemoMail } from './lib/demo-mail';
import { ensurePostgres, redact, type PostgresHandle } from './lib/postgres';
import { launchDataDir } from './lib/launch-env';
import { ensureTemporal, type TemporalHandle } from './lib/temporal-server';
import { seedDemoData } from './seed/generate';
import { SEED_REFUSED_READ_ONLY } from './seed/read-only';

const log = (m: string) => console.log(`[floyo] ${m}`);

/** The admin key for local use: ENGINE_BOOTSTRAP_ADMIN_KEY, else one generated once and kept in .data/. */
function devAdminKey(): { key: string; source: string } {
  if (config.ENGINE_BOOTSTRAP_ADMIN_KEY)
    return { key: config.ENGINE_BOOTSTRAP_ADMIN_KEY, source: 'ENGINE_BOOTSTRAP_ADMIN_KEY' };
  const dataDir = launchDataDir();
  const file = path.join(dataDir, 'dev-admin-key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, `floyo_admin_${crypto.randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
  }
  return { key: fs.readFileSync(file, 'utf8').trim(), source: path.relative(process.cwd(), file) };
}

// This launcher stops things in order on Ctrl-C itself; the SDK's own signal handling would stop only
// the worker.
const runtime = installRuntime({ handleSignals: false });

/** What this command started, in start order; stopped in reverse, each saying so. */
const running: Array<{ name: string; stop: () => Promise<void> }> = [];
const interrupt = new AbortController();
// Aborted as stopping begins: a Mailpit build still running in the background ends with it.
const abandon = new AbortController();
let pending: Promise<unknown> = Promise.resolve();
let stopping: Promise<never> | null = null;

function shutdown(code: number): Promise<never> {
  stopping ??= (async () => {
    abandon.abort();
    log('Stopping…');
    // A start-up step under way (say, waiting for the dev server) ends first, so what it starts is stopped too.
    await pending.catch(() => undefined);
    for (const { name, stop } of running.reverse()) {
      try {
        await stop();
        log(name);
      } catch (err) {
        log(`${name.split(':')[0]}: could not stop cleanly: ${(err as Error).message}`);
        code ||= 1;
      }
    }
    log('Stopped.');
    process.exit(code);
  })();
  return stopping;
}

/** Awaits one start-up step and registers what it started; after a Ctrl-C during it, stops instead of going on. */
async function step<T>(work: Promise<T>, register?: (value: T) => void): Promise<T> {
  const registered = work.then((value) => {
    register?.(value);
    return value;
  });
  pending = registered;
  const value = await registered;
  if (interrupt.signal.aborted) await shutdown(0);
  return value;
}

// `on`, not `once`: the terminal and npm each deliver a Ctrl-C, and a second one with no listener left
// would end the process halfway through stopping.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupt.signal.aborted) return;
    interrupt.abort();
    void shutdown(0);
  });
}

try {
  const started = Date.now();
  // Mailpit builds (first time only, with Go) beside the servers; it starts once they are up.
  const mailpitBinary = demoMailWanted()
    ? buildDemoMailpit(log, AbortSignal.any([interrupt.signal, abandon.signal]))
    : null;
  // Both are started side by side; whichever came up is stopped again when the other did not.
  const [pgResult, temporalResult] = await step(
    Promise.allSettled([ensurePostgres({ log }), ensureTemporal({ log, signal: interrupt.signal })]),
    ([pgr, tr]) => {
      if (pgr.status === 'fulfilled') {
        const { started: ours, stop } = pgr.value;
        running.push({ name: ours ? 'PostgreSQL: stopped' : 'PostgreSQL: left running (not started here)', stop });
      }
      if (tr.status === 'fulfilled') {
        const { started: ours } = tr.value;
        const stop = () => tr.value.stop();
        running.push({
          name: ours ? 'Temporal dev server: stopped' : 'Temporal: left running (not started here)',
          stop,
        });
      }
    },
  );
  if (pgResult.status === 'rejected') throw pgResult.reason;
  if (temporalResult.status === 'rejected') throw temporalResult.reason;
  const pg = pgResult.value as PostgresHandle;
  const temporal = temporalResult.value as TemporalHandle;

  const db = createDb(pg.url, { applicationName: 'floyo-start' });
  running.push({ name: 'Database connections: closed', stop: () => db.destroy() });
  const applied = await step(migrateLatest(db));
  log(applied.length ? `Migrated: ${applied.join(', ')}` : 'Database schema is up to date');
  const { count } = (await db('app.users').count({ count: '*' }).first()) as { count: number };
  if (Number(count) === 0 && config.APP_SCHEMA_READ_ONLY) {
    log(`Schema app is empty: ${SEED_REFUSED_READ_ONLY}`);
  } else if (Number(count) === 0) {
    const users = config.SEED_USERS;
    log(`Schema app is empty: seeding ${users} demo users (npm run seed -- --users N to change)`);
    const now = new Date();
    now.setUTCMinutes(0, 0, 0);
    const manifest = await step(seedDemoData(db, { users, seed: 42, now, onProgress: (m) => log(`  seed: ${m}`) }));
    fs.mkdirSync(launchDataDir(), { recursive: true });
    fs.writeFileSync(path.join(launchDataDir(), 'seed-manifest.json'), JSON.stringify(manifest, null, 2));
  } else {
    log(`Schema app holds ${count} users: keeping them`);
  }

  const mail = mailpitBinary
    ? await step(startDemoMail(mailpitBinary, { log, dataDir: launchDataDir() }), (m) => {
        if (m) running.push({ name: 'Mailpit: stopped', stop: () => m.stop() });
      })
    : null;

  const worker = await step(
    startEngineWorker({
      db,
      ...(mail ? { adapters: mail.settings } : {}),
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      log,
    }),
    (w) => running.push({ name: 'Worker: stopped', stop: () => w.shutdown() }),
  );
  for (const s of worker.schedules) log(`Schedule ${s.scheduleId}: ${s.created ? 'created' : 'up to date'}`);
  void worker.done.catch((err) => {
    log(`Worker stopped with an error: ${(err as Error).message}`);
    void shutdown(1);
  });

  // Built before the api starts: the api lists the dashboard's files when it registers them.
  await step(ensureDashboardBuilt({ log }));
  const admin = devAdminKey();
  const api = await step(
    startApi({
      db,
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      uiUrl: temporal.uiUrl,
      bootstrapAdminKey: admin.key,
      ...(mail ? { adapters: mail.settings } : {}),
    }),
    (a) => running.push({ name: 'Api: stopped', stop: () => a.close() }),
  );

  const ui = temporal.uiUrl
    ? `${temporal.uiUrl}/namespaces/${temporal.namespace}/workflows`
    : "(your Temporal cluster's UI)";
  console.log(`
  Floyo Autonomous Engine is running (ready in ${((Date.now() - started) / 1000).toFixed(1)}s)

    Dashboard        ${api.url}/   (sign in with the admin API key below)
    API              ${api.url}
    API docs         ${api.url}/docs
    Metrics          ${api.url}/metrics (api)${runtime.metricsUrl ? `, ${runtime.metricsUrl} (worker)` : ''}
    Temporal Web UI  ${ui}
    ${mail ? `Mail UI          ${mail.uiUrl}   (the emails of live cycles, delivered over SMTP to Mailpit)` : `Messages         through ${config.MESSENGER}${config.MESSENGER === 'outbox' ? ' (rows in engine.outbox)' : ''}`}
    PostgreSQL       ${redact(pg.url)}${pg.embedded ? ` (embedded, data in ${path.join(launchDataDir(), 'postgres')})` : ''}
    Admin API key    ${admin.key}   (from ${admin.source})

  Start a dry-run cycle:
    curl -s -X POST ${api.url}/api/autonomous/run-cycle -H 'authorization: Bearer ${admin.key}' -H 'content-type: application/json' -d '{}'
  Then look at the result:
    curl -s ${api.url}/api/autonomous/system-state -H 'authorization: Bearer ${admin.key}'
  Or from a terminal, with live progress:
    FLOYO_API_URL=${api.url} FLOYO_API_KEY=${admin.key} npx floyo-engine cycle --dry-run --wait

  Ctrl-C stops everything this command started.
`);
  await worker.done;
  await shutdown(0);
} catch (err) {
  if (!interrupt.signal.aborted) log(`Failed: ${(err as Error).message}`);
  await shutdown(interrupt.signal.aborted ? 0 : 1);
}
