// `npm run api`: the api process on its own (production: DATABASE_URL + TEMPORAL_ADDRESS), and
// startApi(), which `npm start` calls in-process with the database and Temporal it already has.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { temporalConnectionOptions } from '../scripts/lib/temporal-connection';
import { setupTracing } from '../scripts/lib/tracing';
import { Client, Connection } from '@temporalio/client';
import type { Knex } from 'knex';
import { createDb } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { loadDevConfig } from '../scripts/lib/dev-config';
import { ensurePostgres } from '../scripts/lib/postgres';
import { buildApp, type App } from './app';

export interface StartApiOptions {
  /** A knex instance to use (not closed by close()); else one from DATABASE_URL or the embedded server. */
  db?: Knex;
  /** Default: TEMPORAL_ADDRESS, else the dev server of temporal-dev.yml. */
  temporalAddress?: string;
  namespace?: string;
  taskQueue?: string;
  uiUrl?: string | null;
  /** Default: ENGINE_BOOTSTRAP_ADMIN_KEY. */
  bootstrapAdminKey?: string;
  /** Default: PORT, else 3000. */
  port?: number;
  /** Default: HOST, else 127.0.0.1. */
  host?: string;
  logger?: boolean | object;
  log?: (msg: string) => void;
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

function envPort(): number {
  const raw = process.env.PORT ?? '3000';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT=${raw} is not a port number (0-65535)`);
  return port;
}

export async function startApi(opts: StartApiOptions = {}): Promise<RunningApi> {
  const log = opts.log ?? ((m: string) => console.log(`[api] ${m}`));
  const cfg = loadDevConfig();
  const fromEnv = !!process.env.TEMPORAL_ADDRESS;
  const address = opts.temporalAddress ?? process.env.TEMPORAL_ADDRESS ?? `${cfg.server.ip}:${cfg.server.grpcPort}`;
  const namespace = opts.namespace ?? process.env.TEMPORAL_NAMESPACE ?? cfg.server.namespace;
  const taskQueue = opts.taskQueue ?? process.env.TEMPORAL_TASK_QUEUE ?? cfg.taskQueue;
  const uiUrl =
    opts.uiUrl !== undefined
      ? opts.uiUrl
      : (process.env.TEMPORAL_UI_URL ?? (fromEnv ? null : `http://${cfg.server.ip}:${cfg.server.uiPort}`));

  let ownDb: Knex | null = null;
  let stopPostgres: (() => Promise<void>) | null = null;
  let db = opts.db;
  if (!db) {
    const pg = await ensurePostgres({ log });
    stopPostgres = pg.stop;
    ownDb = createDb(pg.url, { applicationName: 'floyo-api' });
    db = ownDb;
    await migrateWhenFree(db, log);
  }

  const connection = await Connection.connect({ address, ...temporalConnectionOptions() });
  const tracing = setupTracing('floyo-api');
  const client = new Client({ connection, namespace, ...(tracing ? { plugins: tracing.plugins } : {}) });

  let app: App;
  try {
    app = await buildApp({
      db,
      temporal: { client, namespace, taskQueue },
      uiUrl,
      bootstrapAdminKey: opts.bootstrapAdminKey ?? process.env.ENGINE_BOOTSTRAP_ADMIN_KEY,
      logger: opts.logger ?? { level: process.env.LOG_LEVEL ?? 'info' },
      owns: { db: ownDb !== null, temporal: true },
    });
  } catch (err) {
    await connection.close();
    await ownDb?.destroy();
    throw err;
  }
  const host = opts.host ?? process.env.HOST ?? '127.0.0.1';
  let url: string;
  try {
    url = await app.listen({ port: opts.port ?? envPort(), host });
  } catch (err) {
    await app.close();
    await stopPostgres?.();
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    url,
    app,
    close: () =>
      (closing ??= (async () => {
        await app.close(); // closes the Temporal connection and the db it created (onClose hooks)
        await stopPostgres?.();
      })()),
  };
}

async function main(): Promise<void> {
  const api = await startApi();
  console.log(`[api] listening on ${api.url} (docs: ${api.url}/docs)`);
  const shutdown = async (signal: string) => {
    console.log(`[api] ${signal}: closing`);
    const timer = setTimeout(() => {
      console.error('[api] did not close within 10 s; exiting');
      process.exit(1);
    }, 10_000);
    timer.unref();
    try {
      await api.close();
      process.exit(0);
    } catch (err) {
      console.error(`[api] error while closing: ${(err as Error).message}`);
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

// Run only as the entrypoint (`tsx api/server.ts`), not when `npm start` imports startApi.
const entry = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (entry === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`[api] failed to start: ${(err as Error).message}`);
    process.exit(1);
  });
}
