// `npm start`: the whole engine on one machine. Starts (or reuses) the Temporal dev server and
// PostgreSQL, migrates, seeds demo data when `app` is empty, runs the worker and the api, prints where
// everything is, and stops what it started on Ctrl-C. Data persists under .data/ between runs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startApi } from '../api/server';
import { createDb } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { startEngineWorker } from '../worker/compose';
import { installRuntime } from '../worker/runtime-logging';
import { config } from '../platform/config';
import { dataDir } from '../platform/paths';
import { ensureDashboardBuilt } from './lib/dashboard';
import { ensurePostgres, redact } from './lib/postgres';
import { ensureTemporal } from './lib/temporal-server';
import { seedDemoData } from './seed/generate';

const log = (m: string) => console.log(`[floyo] ${m}`);

/** The admin key for local use: ENGINE_BOOTSTRAP_ADMIN_KEY, else one generated once and kept in .data/. */
function devAdminKey(): { key: string; source: string } {
  if (config.ENGINE_BOOTSTRAP_ADMIN_KEY)
    return { key: config.ENGINE_BOOTSTRAP_ADMIN_KEY, source: 'ENGINE_BOOTSTRAP_ADMIN_KEY' };
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

const started = Date.now();
const [pg, temporal] = await Promise.all([ensurePostgres({ log }), ensureTemporal({ log })]);
const db = createDb(pg.url, { applicationName: 'floyo-start' });
const stopAll: Array<() => Promise<void>> = [];
let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    log('Stopping…');
    for (const stop of stopAll.reverse()) await stop().catch((e) => log(`while stopping: ${(e as Error).message}`));
    await db.destroy().catch(() => undefined);
    await temporal.stop().catch(() => undefined);
    await pg.stop().catch(() => undefined);
    log('Stopped.');
  }
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

try {
  const applied = await migrateLatest(db);
  log(applied.length ? `Migrated: ${applied.join(', ')}` : 'Database schema is up to date');
  const { count } = (await db('app.users').count({ count: '*' }).first()) as { count: number };
  if (Number(count) === 0) {
    const users = config.SEED_USERS;
    log(`Schema app is empty: seeding ${users} demo users (npm run seed -- --users N to change)`);
    const now = new Date();
    now.setUTCMinutes(0, 0, 0);
    const manifest = await seedDemoData(db, { users, seed: 42, now, onProgress: (m) => log(`  seed: ${m}`) });
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'seed-manifest.json'), JSON.stringify(manifest, null, 2));
  } else {
    log(`Schema app holds ${count} users: keeping them`);
  }

  const worker = await startEngineWorker({
    db,
    temporalAddress: temporal.address,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    log,
  });
  stopAll.push(() => worker.shutdown());
  for (const s of worker.schedules) log(`Schedule ${s.scheduleId}: ${s.created ? 'created' : 'up to date'}`);
  void worker.done.catch((err) => {
    log(`Worker stopped with an error: ${(err as Error).message}`);
    void shutdown(1);
  });

  // Built before the api starts: the api lists the dashboard's files when it registers them.
  await ensureDashboardBuilt({ log });
  const admin = devAdminKey();
  const api = await startApi({
    db,
    temporalAddress: temporal.address,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    uiUrl: temporal.uiUrl,
    bootstrapAdminKey: admin.key,
  });
  stopAll.push(() => api.close());

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
    PostgreSQL       ${redact(pg.url)}${pg.embedded ? ' (embedded, data in .data/postgres)' : ''}
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
} catch (err) {
  log(`Failed: ${(err as Error).message}`);
  await shutdown(1);
}
