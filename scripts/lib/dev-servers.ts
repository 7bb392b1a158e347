// The servers a dev launcher hands to a production entrypoint: DATABASE_URL and TEMPORAL_ADDRESS when set,
// else the embedded PostgreSQL and the Temporal dev server (started or reused), each said in one line.
import { config } from '../../platform/config';
import { ensurePostgres, redact } from './postgres';
import { ensureTemporal } from './temporal-server';

export interface DevServers {
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  uiUrl: string | null;
  /** Stops what this process started (nothing for the servers it was given). */
  stop(): Promise<void>;
}

export async function ensureDevServers(log: (m: string) => void): Promise<DevServers> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e) => log(`while stopping: ${(e as Error).message}`));
  };
  try {
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      const pg = await ensurePostgres({ log });
      stops.push(pg.stop);
      databaseUrl = pg.url;
      log(`DATABASE_URL is unset: using the embedded PostgreSQL at ${redact(databaseUrl)}`);
    }
    let temporal = {
      address: config.TEMPORAL_ADDRESS,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      uiUrl: config.TEMPORAL_UI_URL ?? null,
    };
    if (!temporal.address) {
      const dev = await ensureTemporal({ log });
      stops.push(() => dev.stop());
      temporal = dev;
      log(`TEMPORAL_ADDRESS is unset: using the Temporal dev server at ${dev.address}`);
    }
    return { databaseUrl, temporalAddress: temporal.address!, ...temporal, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
