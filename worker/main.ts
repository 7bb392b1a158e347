// The worker process (production: DATABASE_URL + TEMPORAL_ADDRESS, e.g. `tsx worker/main.ts`).
// `npm run worker` wraps it in the dev launcher, which starts the embedded servers for whichever is unset.
import { createDb } from '../db/knex';
import { ensureEventPartitions } from '../db/event-partitions';
import { migrateLatest } from '../db/migrate';
import { config } from '../platform/config';
import { exitWithError, isEntrypoint, requireServers } from '../platform/entrypoint';
import { startEngineWorker } from './compose';
import { installRuntime } from './runtime-logging';

export interface WorkerSettings {
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
}

/** Runs the worker until SIGINT/SIGTERM, which the Temporal runtime handles by draining it. */
export async function runWorkerProcess(settings: WorkerSettings, log = (m: string) => console.log(m)): Promise<void> {
  const runtime = installRuntime({ handleSignals: true });
  if (runtime.metricsUrl) log(`Worker metrics: ${runtime.metricsUrl}`);
  const db = createDb(settings.databaseUrl, { applicationName: 'floyo-worker' });
  try {
    const applied = await migrateLatest(db);
    if (applied.length) log(`Migrated: ${applied.join(', ')}`);
    // Schema maintenance at start (the monitor repeats it hourly): this month's and the next months' partitions.
    const partitions = await ensureEventPartitions(db, new Date());
    if (partitions) log(`Created ${partitions} monthly partitions of app.events`);
    const worker = await startEngineWorker({
      db,
      temporalAddress: settings.temporalAddress,
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      log,
    });
    for (const s of worker.schedules) log(`Schedule ${s.scheduleId}: ${s.created ? 'created' : 'updated'}`);
    await worker.done;
  } finally {
    await db.destroy();
  }
}

if (isEntrypoint(import.meta.url)) {
  try {
    const servers = requireServers(config, 'npm run worker');
    await runWorkerProcess({ ...servers, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE });
  } catch (err) {
    exitWithError('[worker] failed:', err);
  }
}
