// The deterministic demo-data generator: fills schema `app` with a synthetic platform (users, events,
// plans, subscriptions, payments, suggestions, acquisition spend) plus planted problems of exactly
// known counts, and returns the manifest that says what was planted.
//
// All rows are produced inside PostgreSQL by set-based INSERT … SELECT over generate_series; every
// random choice is a hash of (seed, row key, salt) (see random.ts), so the same (users, seed, now)
// gives byte-identical data. Per-user streams (events, suggestions) run in batches of USER_BATCH
// users to bound each statement's memory, and secondary indexes are rebuilt once at the end, which is
// what makes 1M users / ~20M events a matter of minutes (measured: ~2.5 min on 2 cores).
// Everything runs in one transaction: a failed or interrupted seed leaves the previous data intact.
// Before committing, the data is counted the way the detectors count it (verify.ts): a mismatch with
// the planned counts is a generator bug and rolls everything back.
import type { Knex } from 'knex';
import {
  insertPayments,
  insertPlans,
  insertPlantedPayments,
  insertPlantedSubscriptions,
  insertSubscriptions,
} from './billing';
import { SIGNUP_SPAN_DAYS, USER_BATCH, createContext, exec, fmt, scalar, type SeedContext } from './context';
import { insertPaymentCards } from './cards';
import { insertEventBatch, insertFutureEvents } from './events';
import type { SeedManifest } from './manifest';
import { MIN_USERS, plantedCounts, type PlantedCounts } from './planted';
import { MAX_SEED } from './random';
import { insertAcquisitionSpend } from './spend';
import { insertSuggestionBatch } from './suggestions';
import { assignPlantedRoles, buildUserFrame, insertUsers } from './users';
import { countPlanted, countRows, countUnplannedProblems } from './verify';

export interface SeedOptions {
  users: number;
  seed: number;
  now: Date;
  onProgress?: (msg: string) => void;
}

function validate(opts: SeedOptions): void {
  if (!Number.isInteger(opts.users) || opts.users < MIN_USERS)
    throw new RangeError(`users must be an integer >= ${MIN_USERS}, got ${opts.users}`);
  if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > MAX_SEED)
    throw new RangeError(`seed must be an integer in [0, ${MAX_SEED}], got ${opts.seed}`);
  if (!(opts.now instanceof Date) || Number.isNaN(opts.now.getTime())) throw new RangeError('now must be a valid Date');
}

const qualified = (table: string) => `app."${table.replace(/"/g, '""')}"`;

/** Empties every table of schema `app` (whatever the migrations put there); returns their names. */
async function truncateApp(ctx: SeedContext): Promise<string[]> {
  const { rows } = (await ctx.trx.raw(
    // Partitions go with their parent (app.events is partitioned by month since migration 25).
    `SELECT c.relname AS tablename FROM pg_class c
      WHERE c.relnamespace = 'app'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY c.relname`,
  )) as { rows: Array<{ tablename: string }> };
  const tables = rows.map((r) => r.tablename);
  if (tables.length) await exec(ctx, `TRUNCATE ${tables.map(qualified).join(', ')}`);
  return tables;
}

interface DeferredIndex {
  name: string;
  definition: string;
}

/**
 * Bulk-load practice: the secondary indexes of app.* (not those backing a primary key or unique
 * constraint) are dropped after the TRUNCATE and rebuilt from their own definitions once the rows are in,
 * which is several times faster than maintaining them row by row at 20M events. Inside the transaction,
 * so a failed seed restores them with everything else.
 */
async function dropSecondaryIndexes(ctx: SeedContext): Promise<DeferredIndex[]> {
  const { rows } = (await ctx.trx.raw(
    `SELECT i.indexname AS name, i.indexdef AS definition
       FROM pg_indexes i
      WHERE i.schemaname = 'app'
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)
        -- A partition's index goes and comes back with the parent's.
        AND NOT (SELECT x.relispartition FROM pg_class x WHERE x.oid = format('%I.%I', i.schemaname, i.indexname)::regclass)
      ORDER BY i.tablename, i.indexname`,
  )) as { rows: DeferredIndex[] };
  for (const ix of rows) await exec(ctx, `DROP INDEX app."${ix.name.replace(/"/g, '""')}"`);
  return rows;
}

async function rebuildIndexes(ctx: SeedContext, indexes: DeferredIndex[]): Promise<number> {
  // A partitioned table's index reads "ON ONLY app.events" (the parent alone, invalid until each partition's
  // index is attached); without ONLY it is built on every partition too.
  for (const ix of indexes) await exec(ctx, ix.definition.replace(/ ON ONLY /, ' ON '));
  return indexes.length;
}

/**
 * The monthly partitions of app.events over the seeded span (signups from SIGNUP_SPAN_DAYS before `now`, the
 * planted future events up to 30 days after it), so that no seeded event lands in the DEFAULT partition.
 */
async function ensureSeedPartitions(ctx: SeedContext): Promise<number> {
  return scalar(
    ctx,
    `SELECT engine.ensure_event_partitions(2, ${ctx.T} - interval '${SIGNUP_SPAN_DAYS + 1} days', ${ctx.T})`,
  );
}

/** Events and suggestions, user range by user range; seed_last_seen collects each user's newest event. */
async function insertPerUserStreams(ctx: SeedContext): Promise<{ events: number; suggestions: number }> {
  await exec(
    ctx,
    'CREATE TEMP TABLE seed_last_seen (user_id bigint PRIMARY KEY, last_seen_at timestamptz NOT NULL) ON COMMIT DROP',
  );
  const batches = Math.ceil(ctx.users / USER_BATCH);
  let events = 0;
  let suggestions = 0;
  for (let b = 0; b < batches; b++) {
    const lo = b * USER_BATCH + 1;
    const hi = Math.min(ctx.users, (b + 1) * USER_BATCH);
    const started = Date.now();
    const e = await insertEventBatch(ctx, lo, hi);
    const s = await insertSuggestionBatch(ctx, lo, hi);
    events += e;
    suggestions += s;
    ctx.progress(
      `events: users ${fmt(lo)}–${fmt(hi)} (batch ${b + 1}/${batches}): ${fmt(e)} events, ${fmt(s)} suggestions in ${Date.now() - started} ms`,
    );
  }
  return { events, suggestions };
}

function mismatches(expected: PlantedCounts, actual: PlantedCounts): string[] {
  return (Object.keys(expected) as Array<keyof PlantedCounts>)
    .filter((k) => expected[k] !== actual[k])
    .map((k) => `${k}: planned ${expected[k]}, found ${actual[k]}`);
}

/**
 * Replaces everything in schema `app` with deterministic demo data for `users` users anchored at `now`.
 * Throws (rolling back) if the data does not hold exactly the planted counts.
 */
export async function seedDemoData(db: Knex, opts: SeedOptions): Promise<SeedManifest> {
  validate(opts);
  const planted = plantedCounts(opts.users);
  const progress = opts.onProgress ?? (() => undefined);

  let tables: string[] = [];
  const manifest = await db.transaction(async (trx) => {
    const ctx = createContext(trx, opts);
    const step = async <T>(label: string, fn: () => Promise<T>, describe: (r: T) => string): Promise<T> => {
      const started = Date.now();
      const r = await fn();
      ctx.progress(`${label}: ${describe(r)} in ${Date.now() - started} ms`);
      return r;
    };
    // UTC (with whole-second intervals) keeps every value independent of the server's settings; generous
    // work_mem and maintenance_work_mem keep the per-batch sorts (id assignment) and index builds in memory.
    await exec(ctx, `SET LOCAL TimeZone = 'UTC'`);
    await exec(ctx, `SET LOCAL work_mem = '512MB'`);
    await exec(ctx, `SET LOCAL maintenance_work_mem = '1GB'`);
    await exec(ctx, `SET LOCAL synchronous_commit = off`);
    // The planner cannot know how many rows a generate_series per user yields and overestimates by
    // orders of magnitude; JIT compiling for those phantom rows would cost more than running the query.
    await exec(ctx, `SET LOCAL jit = off`);

    tables = await step(
      'truncate',
      () => truncateApp(ctx),
      (t) => `app.${t.join(', app.')}`,
    );
    const indexes = await step(
      'drop secondary indexes',
      () => dropSecondaryIndexes(ctx),
      (ix) => `${ix.length} indexes`,
    );
    await step(
      'event partitions',
      () => ensureSeedPartitions(ctx),
      (n) => `${n} created`,
    );
    await step(
      'plans',
      () => insertPlans(ctx),
      (n) => `${n} rows`,
    );
    await step(
      'user frame',
      async () => {
        await buildUserFrame(ctx);
        await assignPlantedRoles(ctx, planted);
      },
      () => `${fmt(opts.users)} users`,
    );
    await insertPerUserStreams(ctx);
    await step(
      'future events (planted)',
      () => insertFutureEvents(ctx),
      (n) => `${n} rows`,
    );
    await step(
      'users',
      () => insertUsers(ctx),
      (n) => `${fmt(n)} rows`,
    );
    await step(
      'subscriptions',
      () => insertSubscriptions(ctx),
      (n) => `${fmt(n)} rows`,
    );
    await step(
      'payments',
      () => insertPayments(ctx),
      (n) => `${fmt(n)} rows`,
    );
    await step(
      'planted payments',
      () => insertPlantedPayments(ctx, planted),
      (n) => `${n} rows`,
    );
    await step(
      'payment cards',
      () => insertPaymentCards(ctx),
      (n) => `${fmt(n)} rows`,
    );
    await step(
      'planted subscriptions',
      () => insertPlantedSubscriptions(ctx, planted),
      (n) => `${n} rows`,
    );
    await step(
      'acquisition spend',
      () => insertAcquisitionSpend(ctx),
      (n) => `${n} rows`,
    );
    await step(
      'rebuild indexes',
      () => rebuildIndexes(ctx, indexes),
      (n) => `${n} indexes`,
    );

    const found = await step(
      'verify',
      () => countPlanted(trx, opts.now),
      () => 'planted counts checked',
    );
    const problems = mismatches(planted, found);
    const unplanned = await countUnplannedProblems(trx);
    if (unplanned.unclassifiedFailedPayments)
      problems.push(`${unplanned.unclassifiedFailedPayments} failed payments outside every planted category`);
    if (unplanned.paymentsWithoutSubscription)
      problems.push(`${unplanned.paymentsWithoutSubscription} payments without a subscription`);
    const counts = await countRows(trx);
    if (counts.users !== opts.users) problems.push(`users: planned ${opts.users}, found ${counts.users}`);
    if (problems.length)
      throw new Error(`seed: the generated data does not match its plan (rolled back): ${problems.join('; ')}`);

    const result: SeedManifest = { seed: opts.seed, users: opts.users, now: opts.now.toISOString(), counts, planted };
    return result;
  });

  // Fresh statistics for the planner (after commit, so they describe the committed rows).
  const started = Date.now();
  if (tables.length) await db.raw(`ANALYZE ${tables.map(qualified).join(', ')}`);
  progress(`analyze: in ${Date.now() - started} ms`);
  return manifest;
}
