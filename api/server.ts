// The api process (production: DATABASE_URL + TEMPORAL_ADDRESS, e.g. `tsx api/server.ts`), and startApi(),
// which `npm start` calls in-process; `npm run api` wraps it in the dev launcher for the embedded servers.
import { Client } from '@temporalio/client';
import closeWithGrace from 'close-with-grace';
import type { Knex } from 'knex';
import { createDb } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { config } from '../platform/config';
import { exitWithError, isEntrypoint, requireServers } from '../platform/entrypoint';
import { temporalConnectionOptions } from '../platform/temporal-connection';
import { setupTracing } from '../platform/tracing';
import type { AdapterSettings } from '../worker/adapters';
import { buildApp, type App } from './app';
import { ApiTemporalConnection } from './temporal/connection';

export interface StartApiOptions {
  /** A knex instance to use (not closed by close()); else one on `databaseUrl`, migrated first. */
  db?: Knex;
  databaseUrl?: string;
  temporalAddress: string;
  /** Default: TEMPORAL_NAMESPACE. */
  namespace?: string;
  /** Default: TEMPORAL_TASK_QUEUE. */
  taskQueue?: string;
  /** Default: TEMPORAL_UI_URL, else none. */
  uiUrl?: string | null;
  /** Default: ENGINE_BOOTSTRAP_ADMIN_KEY. */
  bootstrapAdminKey?: string;
  /** Default: PORT. */
  port?: number;
  /** Default: HOST. */
  host?: string;
  logger?: boolean | object;
  log?: (msg: string) => void;
  /** The worker's effect adapters, for /readyz and the unsubscribe links' secret (default: the config's). */
  adapters?: AdapterSettings;
}

export interface RunningApi {
  url: string;
  app: App;
  close(): Promise<void>;
}

const MIGRATION_LOCK_RETRIES = 60;

/** Migrates, waiting while another process (the worker, a second api) holds the migration lock. */
async function migrateWhenFree(db: Knex, log: (m: string) => void): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const applied = await migrateLatest(db);
      if (applied.length) log(`Migrated: ${applied.join(', ')}`);
      return;
    } catch (err) {
      if (!/already locked/i.test((err as Error).message) || attempt >= MIGRATION_LOCK_RETRIES) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

export async function startApi(opts: StartApiOptions): Promise<RunningApi> {
  const log = opts.log ?? ((m: string) => console.log(`[api] ${m}`));
  const address = opts.temporalAddress;
  const namespace = opts.namespace ?? config.TEMPORAL_NAMESPACE;
  const taskQueue = opts.taskQueue ?? config.TEMPORAL_TASK_QUEUE;
  const uiUrl = opts.uiUrl !== undefined ? opts.uiUrl : (config.TEMPORAL_UI_URL ?? null);

  let ownDb: Knex | null = null;
  let db = opts.db;
  if (!db) {
    if (!opts.databaseUrl) throw new Error('startApi needs a db or a databaseUrl');
    ownDb = createDb(opts.databaseUrl, { applicationName: 'floyo-api' });
    db = ownDb;
    try {
      await migrateWhenFree(db, log);
    } catch (err) {
      await ownDb.destroy();
      throw err;
    }
  }

  const connection = await ApiTemporalConnection.connect({ address, ...temporalConnectionOptions() }).catch(
    async (err) => {
      await ownDb?.destroy();
      throw err;
    },
  );
  const tracing = setupTracing('floyo-api');
  const client = new Client({ connection, namespace, ...(tracing ? { plugins: tracing.plugins } : {}) });

  let app: App;
  try {
    app = await buildApp({
      db,
      temporal: { client, namespace, taskQueue },
      uiUrl,
      bootstrapAdminKey: opts.bootstrapAdminKey ?? config.ENGINE_BOOTSTRAP_ADMIN_KEY,
      logger: opts.logger ?? { level: config.LOG_LEVEL ?? 'info' },
      owns: { db: ownDb !== null, temporal: true },
      ...(opts.adapters ? { adapters: opts.adapters, unsubscribeSecret: opts.adapters.UNSUBSCRIBE_SECRET } : {}),
    });
  } catch (err) {
    await connection.close();
    await ownDb?.destroy();
    throw err;
  }
  let url: string;
  try {
    url = await app.listen({ port: opts.port ?? config.PORT, host: opts.host ?? config.HOST });
  } catch (err) {
    await app.close();
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    url,
    app,
    close: () =>
      (closing ??= (async () => {
        await app.close(); // closes the Temporal connection and the db it created (onClose hooks)
      })()),
  };
}

export type ApiSettings = Omit<StartApiOptions, 'db' | 'databaseUrl'> & { databaseUrl: string };

/** Serves until SIGINT/SIGTERM (or a crash), then closes within 10 s and runs `afterClose` (e.g. stop dev servers). */
export async function runApiProcess(settings: ApiSettings, afterClose?: () => Promise<void>): Promise<RunningApi> {
  const api = await startApi(settings);
  console.log(`[api] listening on ${api.url} (docs: ${api.url}/docs)`);
  closeWithGrace(
    { delay: 10_000, logger: { error: (m: unknown) => console.error(`[api] ${String(m)}`) } },
    async ({ signal, err }) => {
      if (err) console.error(`[api] closing after an error: ${err.message}`);
      else console.log(`[api] ${signal ?? 'close'}: closing`);
      await api.close();
      await afterClose?.();
    },
  );
  return api;
}

if (isEntrypoint(import.meta.url)) {
  try {
    await runApiProcess(requireServers(config, 'npm run api'));
  } catch (err) {
    exitWithError('[api] failed to start:', err);
  }
}
