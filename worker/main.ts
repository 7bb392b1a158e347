// `npm run worker`: the worker process on its own (production: DATABASE_URL + TEMPORAL_ADDRESS).
import { createDb } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { ensurePostgres } from '../scripts/lib/postgres';
import { ensureTemporal } from '../scripts/lib/temporal-server';
import { startEngineWorker } from './compose';
import { installRuntime } from './runtime-logging';

// The SDK runtime handles SIGINT/SIGTERM: it drains the worker, then worker.done resolves.
const runtime = installRuntime({ handleSignals: true });
const log = (m: string) => console.log(m);
if (runtime.metricsUrl) log(`Worker metrics: ${runtime.metricsUrl}`);
const pg = await ensurePostgres({ log });
const temporal = await ensureTemporal({ log });
const db = createDb(pg.url, { applicationName: 'floyo-worker' });
await migrateLatest(db);
const worker = await startEngineWorker({
  db,
  temporalAddress: temporal.address,
  namespace: temporal.namespace,
  taskQueue: temporal.taskQueue,
  log,
});
for (const s of worker.schedules) log(`Schedule ${s.scheduleId}: ${s.created ? 'created' : 'updated'}`);
try {
  await worker.done; // the Temporal runtime shuts the worker down on SIGINT/SIGTERM
} finally {
  await db.destroy();
  await temporal.stop();
  await pg.stop();
}
