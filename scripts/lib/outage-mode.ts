// `npm run chaos -- --outage postgres|temporal`: outage trials on servers this process starts and stops
// itself — the embedded PostgreSQL and the Temporal dev server of FLOYO_DATA_DIR / FLOYO_TEMPORAL_DEV_CONFIG —
// because stopping a server someone else started would pull it from under them.
import pg from 'pg';
import { createDb } from '../../db/knex';
import { migrateLatest } from '../../db/migrate';
import { prepareChaosDatabase } from './chaos';
import { ensureTestNamespace } from './namespace';
import { runOutageTrial, type OutageKind, type OutageResult } from './outage';
import { ensureDatabase, ensurePostgres, type PostgresHandle } from './postgres';
import { ensureTemporal, type TemporalHandle } from './temporal-server';

/** The line a caller (the outage test) parses: the results as JSON after this prefix. */
export const RESULT_PREFIX = 'OUTAGE-RESULTS ';

export async function runOutageMode(opts: {
  kind: OutageKind;
  downSeconds: number;
  users: number;
  trials: number;
  now: Date;
  namespace: string;
  json: boolean;
  log: (m: string) => void;
}): Promise<number> {
  const { log } = opts;
  let postgres: PostgresHandle = await ensurePostgres({ log });
  let temporal: TemporalHandle | null = null;
  const results: OutageResult[] = [];
  try {
    temporal = await ensureTemporal({ log });
    if (!postgres.started || !temporal.started) {
      log(
        '--outage stops and starts the servers, so it needs ones it starts itself: unset DATABASE_URL and ' +
          'TEMPORAL_ADDRESS and stop the running dev servers, or give it a stack of its own (FLOYO_DATA_DIR, ' +
          'EMBEDDED_PG_PORT, FLOYO_TEMPORAL_DEV_CONFIG).',
      );
      return 2;
    }
    await ensureTestNamespace(temporal.address, opts.namespace);
    for (let i = 1; i <= opts.trials; i++) {
      const name = `floyo_outage_${process.pid}_${i}`;
      await ensureDatabase(postgres.adminUrl, name);
      const url = new URL(postgres.url);
      url.pathname = `/${name}`;
      const db = createDb(url.toString(), { poolMax: 4 });
      try {
        log(`trial ${i}/${opts.trials}: seeding ${opts.users} users`);
        await migrateLatest(db);
        await prepareChaosDatabase(db, { users: opts.users, seed: 100 + i, now: opts.now });
        let state = 20261203 + i;
        const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
        const stopServer = async () => {
          if (opts.kind === 'postgres') await postgres.stop();
          else await temporal!.stop();
        };
        const startServer = async () => {
          if (opts.kind === 'postgres') postgres = await ensurePostgres({ log });
          else temporal = await ensureTemporal({ log });
        };
        results.push(
          await runOutageTrial(
            {
              db,
              databaseUrl: url.toString(),
              temporalAddress: temporal.address,
              namespace: opts.namespace,
              taskQueue: `outage-${process.pid}-${i}`,
              now: opts.now,
              log,
              random,
            },
            {
              kind: opts.kind,
              phase: 'optimize',
              downMs: opts.downSeconds * 1000,
              stop: stopServer,
              start: startServer,
            },
            `${process.pid}-${i}`,
          ),
        );
      } finally {
        await db.destroy();
        const admin = new pg.Client({ connectionString: postgres.adminUrl });
        await admin.connect();
        await admin.query(`drop database if exists "${name}" with (force)`).finally(() => admin.end());
      }
    }
  } finally {
    await temporal?.stop();
    await postgres.stop();
  }
  const violations = results.flatMap((r) =>
    Object.entries(r.invariants)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${r.cycleId} ${k}=${n}`),
  );
  const failed = results.filter((r) => r.cycleStatus !== 'completed');
  for (const r of results)
    log(
      `${r.cycleId}: ${opts.kind} down ${r.downSeconds.toFixed(1)} s ${r.inPhase ? 'inside' : 'after'} ${r.phase}; ` +
        `cycle ${r.cycleStatus} ${r.completedAfterSeconds.toFixed(1)} s after; ${r.effects} effects; ` +
        `invariants ${Object.values(r.invariants).every((n) => n === 0) ? 'all 0' : JSON.stringify(r.invariants)}`,
    );
  if (opts.json) console.log(RESULT_PREFIX + JSON.stringify(results));
  if (violations.length || failed.length) {
    log(`violations: ${[...violations, ...failed.map((r) => `${r.cycleId} ${r.cycleStatus}`)].join(', ')}`);
    return 1;
  }
  return 0;
}
