// The benchmark's own database: one per user count (floyo_bench_<N>), migrated, seeded with the demo-data
// generator only when it does not already hold the requested data, then vacuumed and analyzed.
// What was seeded is kept in the database itself (bench.seed_manifest), so it can never describe data
// that is not there: a dropped database takes its manifest with it, and a failed seed rolls back to the
// previous data, which the stored manifest still describes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { seedDemoData } from '../seed/generate';
import type { SeedManifest } from '../seed/manifest';
import { repoRoot } from '../../platform/paths';
import { formatMs } from './format';

/** The logical `now` every benchmark seeds and queries at: fixed, so reruns compare like with like. */
export const BENCH_NOW = new Date('2026-11-20T12:00:00.000Z');

export function benchDatabaseName(users: number): string {
  return `floyo_bench_${users}`;
}

export interface StoredSeed {
  manifest: SeedManifest;
  seededAt: string;
  seedMs: number;
  /** Hash of scripts/seed/*.ts when the data was generated. */
  generatorHash: string;
}

export interface PreparedData {
  stored: StoredSeed;
  /** True when this run (re)generated the data. */
  seeded: boolean;
  /** Why the data was (re)generated, or why it was reused. */
  reason: string;
  vacuumMs: number | null;
  /** Set when the generator's source changed since the stored data was generated. */
  warning: string | null;
}

const MANIFEST_TABLE = 'bench.seed_manifest';

/** A digest of the generator's sources, to tell when reused data may no longer be what it would generate. */
export function generatorHash(): string {
  const dir = path.join(repoRoot, 'scripts', 'seed');
  const hash = crypto.createHash('sha256');
  for (const f of fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.ts'))
    .sort()) {
    hash
      .update(f)
      .update('\0')
      .update(fs.readFileSync(path.join(dir, f)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

async function ensureManifestTable(db: Knex): Promise<void> {
  await db.raw(`CREATE SCHEMA IF NOT EXISTS bench`);
  await db.raw(
    `CREATE TABLE IF NOT EXISTS ${MANIFEST_TABLE} (
       id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
       users int NOT NULL,
       seed bigint NOT NULL,
       logical_now timestamptz NOT NULL,
       manifest jsonb NOT NULL,
       generator_hash text NOT NULL,
       seed_ms int NOT NULL,
       seeded_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
}

async function readStored(db: Knex): Promise<StoredSeed | null> {
  const row = await db(MANIFEST_TABLE).where({ id: 1 }).first();
  if (!row) return null;
  return {
    manifest: row.manifest as SeedManifest,
    seededAt: new Date(row.seeded_at).toISOString(),
    seedMs: Number(row.seed_ms),
    generatorHash: String(row.generator_hash),
  };
}

async function writeStored(db: Knex, s: StoredSeed): Promise<void> {
  await db(MANIFEST_TABLE)
    .insert({
      id: 1,
      users: s.manifest.users,
      seed: s.manifest.seed,
      logical_now: s.manifest.now,
      manifest: JSON.stringify(s.manifest),
      generator_hash: s.generatorHash,
      seed_ms: s.seedMs,
      seeded_at: s.seededAt,
    })
    .onConflict('id')
    .merge();
}

/** Why the stored data cannot be reused, or null when it can. */
async function staleReason(
  db: Knex,
  stored: StoredSeed | null,
  want: { users: number; seed: number; reseed: boolean },
): Promise<string | null> {
  if (want.reseed) return '--reseed given';
  if (!stored) return 'no data seeded yet';
  const m = stored.manifest;
  if (m.users !== want.users || m.seed !== want.seed) return `stored data is users ${m.users}, seed ${m.seed}`;
  if (m.now !== BENCH_NOW.toISOString()) return `stored data is anchored at ${m.now}, not ${BENCH_NOW.toISOString()}`;
  // Cheap (index-only on the primary key) and catches data truncated or replaced behind the manifest's back.
  const { rows } = (await db.raw(`SELECT count(*) AS n FROM app.users`)) as { rows: Array<{ n: number }> };
  const n = Number(rows[0]?.n ?? 0);
  if (n !== m.counts.users) return `app.users holds ${n} rows, the manifest says ${m.counts.users}`;
  return null;
}

/** VACUUM (for the visibility map that index-only scans need) and ANALYZE (planner statistics) of schema app. */
export async function vacuumAnalyzeApp(db: Knex): Promise<number> {
  const started = Date.now();
  const { rows } = (await db.raw(`SELECT tablename FROM pg_tables WHERE schemaname = 'app' ORDER BY tablename`)) as {
    rows: Array<{ tablename: string }>;
  };
  const tables = rows.map((r) => `app."${r.tablename.replace(/"/g, '""')}"`);
  if (tables.length) await db.raw(`VACUUM (ANALYZE) ${tables.join(', ')}`);
  return Date.now() - started;
}

/**
 * Makes the bench database hold the demo data for (users, seed) at BENCH_NOW, seeding only when needed.
 * Seeding 1M users takes minutes: progress lines carry the elapsed time, and a heartbeat is printed when
 * a long step (an index build) is silent for 30 s.
 */
export async function prepareBenchData(
  db: Knex,
  opts: { users: number; seed: number; reseed: boolean; log: (msg: string) => void },
): Promise<PreparedData> {
  await ensureManifestTable(db);
  const hash = generatorHash();
  const previous = await readStored(db);
  const stale = await staleReason(db, previous, opts);
  if (stale === null && previous) {
    const warning =
      previous.generatorHash !== hash
        ? `the generator (scripts/seed/) changed since this data was seeded at ${previous.seededAt}; pass --reseed to regenerate it`
        : null;
    return {
      stored: previous,
      seeded: false,
      reason: `reusing the data seeded at ${previous.seededAt} (seeding took ${formatMs(previous.seedMs)}; --reseed to regenerate)`,
      vacuumMs: null,
      warning,
    };
  }

  const reason = stale ?? 'no data seeded yet';
  opts.log(
    `seeding ${opts.users.toLocaleString('en-US')} users, seed ${opts.seed}, now ${BENCH_NOW.toISOString()} (${reason})${opts.users >= 200_000 ? '; this takes minutes' : ''}`,
  );
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  let last = 'starting';
  let lastAt = Date.now();
  const heartbeat = setInterval(() => {
    if (Date.now() - lastAt >= 30_000) opts.log(`  … still seeding (${elapsed()} so far; last step: ${last})`);
  }, 30_000);
  heartbeat.unref();
  let manifest: SeedManifest;
  try {
    manifest = await seedDemoData(db, {
      users: opts.users,
      seed: opts.seed,
      now: BENCH_NOW,
      onProgress: (msg) => {
        last = msg;
        lastAt = Date.now();
        opts.log(`  [${elapsed()}] ${msg}`);
      },
    });
  } finally {
    clearInterval(heartbeat);
  }
  const seedMs = Date.now() - started;
  opts.log(`seeded in ${formatMs(seedMs)}; VACUUM ANALYZE of schema app…`);
  const vacuumMs = await vacuumAnalyzeApp(db);
  opts.log(`VACUUM ANALYZE done in ${formatMs(vacuumMs)}`);
  // Written last: a run interrupted before this point reseeds next time rather than trusting half-done work.
  const stored: StoredSeed = { manifest, seededAt: new Date().toISOString(), seedMs, generatorHash: hash };
  await writeStored(db, stored);
  return { stored, seeded: true, reason, vacuumMs, warning: null };
}

/** The settings that most change the plans and timings, reported with every result. */
const SERVER_SETTINGS = [
  'shared_buffers',
  'work_mem',
  'effective_cache_size',
  'max_parallel_workers_per_gather',
  'random_page_cost',
  'jit',
] as const;

export interface ServerInfo {
  version: string | null;
  databaseBytes: number;
  /** app.events with its indexes and TOAST (all its partitions when partitioned). */
  eventsBytes: number;
  settings: Record<string, string>;
}

export async function serverInfo(db: Knex): Promise<ServerInfo> {
  const { rows: settingRows } = (await db.raw(
    `SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name = ANY (?) ORDER BY name`,
    [[...SERVER_SETTINGS]],
  )) as { rows: Array<{ name: string; setting: string }> };
  const { rows } = (await db.raw(
    `SELECT version() AS version, pg_database_size(current_database()) AS db_bytes, coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('app.events')), pg_total_relation_size('app.events')) AS events_bytes`,
  )) as { rows: Array<{ version: string; db_bytes: number; events_bytes: number }> };
  return {
    version: rows[0]?.version ?? null,
    databaseBytes: Number(rows[0]?.db_bytes ?? 0),
    eventsBytes: Number(rows[0]?.events_bytes ?? 0),
    settings: Object.fromEntries(settingRows.map((r) => [r.name, r.setting])),
  };
}
