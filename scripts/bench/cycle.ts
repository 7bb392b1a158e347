// `npm run bench -- --cycle`: whole dry-run cycles on a worker in this process, at N users and at N/10, read
// back from engine.cycles and engine.cycle_phases: a from-scratch cycle (`full`: the event rollups rebuilt),
// then +1% new users and events a day later and an incremental cycle; and the bare-SQL baselines of the analyze,
// learn and optimize phases (scripts/bench/bare-sql.ts). Prints the issue's table with today's figures and the
// ratios' verdicts (scripts/bench/cycle-targets.ts). The added rows are removed afterwards, so the seeded data
// stays what its manifest says.
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createDb, type Db } from '../../db/knex';
import { migrateLatest } from '../../db/migrate';
import { dataDir } from '../../platform/paths';
import { MIN_USERS } from '../seed/planted';
import { startEngineWorker } from '../../worker/compose';
import { autonomousCycle } from '../../workflows';
import { ensureDatabase, ensurePostgres } from '../lib/postgres';
import { ensureTemporal } from '../lib/temporal-server';
import type { BenchArgs } from './args';
import { BARE_PHASES, captureBareStatements, replayStatements, type BarePhase } from './bare-sql';
import { evaluateCycleTargets, cycleReport, type CycleRun, type SizeResult } from './cycle-targets';
import { BENCH_NOW, benchDatabaseName, prepareBenchData } from './database';
import { formatCount, formatMs } from './format';
import { collectGarbage, startMemorySampler } from './memory';
import { writeResults } from './report';

type Log = (m: string) => void;
const TASK_QUEUE = 'floyo-bench-cycle';
const DAY_MS = 86_400_000;
const CYCLE_TIMEOUT_MS = 60 * 60_000;
/** The seeded data's highest ids while the bench's +1% rows exist. */
const ADDED_TABLE = 'bench.cycle_added';

/** Runs one dry-run cycle to completion and reads its phases' durations from engine.cycle_phases. */
async function runCycle(
  client: Client,
  db: Db,
  input: { now: string; full?: boolean },
  label: string,
  log: Log,
): Promise<CycleRun> {
  const workflowId = `bench-cycle-${crypto.randomUUID()}`;
  log(`${label}: cycle ${workflowId}${input.full ? ' (full: rebuilding the event rollups)' : ''}…`);
  const started = performance.now();
  await client.workflow.execute(autonomousCycle, {
    workflowId,
    taskQueue: TASK_QUEUE,
    args: [
      { dryRun: true, trigger: 'cli', requestedBy: 'bench', now: input.now, ...(input.full ? { full: true } : {}) },
    ],
    workflowExecutionTimeout: CYCLE_TIMEOUT_MS,
    staticSummary: `Bench: ${label}`,
  });
  const wallMs = performance.now() - started;
  const rows = (await db('engine.cycle_phases')
    .where({ cycle_id: workflowId })
    .select('name', 'status', 'started_at', 'finished_at', 'counts')) as Array<{
    name: string;
    status: string;
    started_at: Date;
    finished_at: Date | null;
    counts: Record<string, number>;
  }>;
  const phases = Object.fromEntries(
    rows.map((r) => [r.name, r.finished_at ? r.finished_at.getTime() - r.started_at.getTime() : NaN]),
  );
  const run: CycleRun = { cycleId: workflowId, wallMs, phases, rollupUsersFolded: null };
  const analyze = rows.find((r) => r.name === 'analyze');
  run.rollupUsersFolded = analyze?.counts.rollupUsersFolded ?? null;
  log(
    `${label}: ${formatMs(wallMs)} (${rows
      .sort((a, b) => a.started_at.getTime() - b.started_at.getTime())
      .map((r) => `${r.name} ${formatMs(phases[r.name]!)}`)
      .join(', ')})`,
  );
  return run;
}

interface Added {
  users: number;
  events: number;
}

/** The highest ids of the seeded data: every row above them is the bench's own, removed after the run. */
async function maxIds(db: Db): Promise<{ user: number; event: number }> {
  const { rows } = (await db.raw(
    'SELECT (SELECT max(id) FROM app.users) AS user, (SELECT max(id) FROM app.events) AS event',
  )) as { rows: Array<{ user: string; event: string }> };
  return { user: Number(rows[0]!.user), event: Number(rows[0]!.event) };
}

/**
 * +1%: new users signing up over the day after `now`, and as many events as 1% of the table spread over the same
 * day among existing and new users, with the names the data already uses.
 */
async function addOnePercent(db: Db, now: Date, counts: { users: number; events: number }): Promise<Added> {
  const ids = await maxIds(db);
  // Written first: a run killed before its clean-up is cleaned up by the next one.
  await db.raw(`CREATE TABLE IF NOT EXISTS ${ADDED_TABLE} (max_user_id bigint NOT NULL, max_event_id bigint NOT NULL)`);
  await db.raw(`INSERT INTO ${ADDED_TABLE} VALUES (?, ?)`, [ids.user, ids.event]);
  const users = Math.ceil(counts.users / 100);
  const events = Math.ceil(counts.events / 100);
  await db.raw(
    `INSERT INTO app.users (id, email, created_at, acquisition_channel)
     SELECT :maxUser::bigint + g, 'bench-added-' || (:maxUser::bigint + g) || '@example.com',
            :now::timestamptz + (g::float8 / :users::float8) * interval '1 day', 'organic'
       FROM generate_series(1, :users::int) g`,
    { maxUser: ids.user, now, users },
  );
  await db.raw(
    `WITH names AS (SELECT array_agg(DISTINCT name) AS n FROM app.events
                     WHERE occurred_at >= :now::timestamptz - interval '1 day' AND occurred_at < :now::timestamptz)
     INSERT INTO app.events (id, user_id, name, occurred_at)
     SELECT :maxEvent::bigint + g, 1 + floor(random() * (:maxUser::bigint + :users::bigint))::bigint,
            names.n[1 + floor(random() * cardinality(names.n))::int],
            :now::timestamptz + (g::float8 / :events::float8) * interval '1 day'
       FROM generate_series(1, :events::int) g, names`,
    { maxEvent: ids.event, maxUser: ids.user, users, events, now },
  );
  await db.raw('ANALYZE app.users, app.events');
  return { users, events };
}

/** Removes the rows an earlier (or this) run added, as recorded in ADDED_TABLE. */
async function removeAdded(db: Db): Promise<void> {
  if (!(await db.schema.withSchema('bench').hasTable('cycle_added'))) return;
  const rows = (await db(ADDED_TABLE).select('max_user_id', 'max_event_id')) as Array<{
    max_user_id: string;
    max_event_id: string;
  }>;
  for (const r of rows) {
    await db.raw('DELETE FROM app.events WHERE id > ?', [r.max_event_id]);
    await db.raw('DELETE FROM app.users WHERE id > ?', [r.max_user_id]);
  }
  // The rollups folded the removed events, and events are append-only to them: the next refresh rebuilds.
  if (rows.length) {
    await db.raw('TRUNCATE engine.event_user_facts, engine.event_day_counts');
    await db.raw('UPDATE engine.event_rollup_state SET watermark = NULL');
  }
  await db(ADDED_TABLE).del();
}

async function benchSize(users: number, args: BenchArgs, temporalAddress: string, log: Log): Promise<SizeResult> {
  const database = benchDatabaseName(users);
  const pgHandle = await ensurePostgres({ log, database });
  await ensureDatabase(pgHandle.adminUrl, database);
  const db = createDb(pgHandle.url, { poolMax: 8, applicationName: 'floyo-bench-cycle' });
  try {
    await migrateLatest(db);
    const data = await prepareBenchData(db, { users, seed: args.seed, reseed: args.reseed, log });
    if (!data.seeded) log(data.reason);
    const manifest = data.stored.manifest;
    // A run interrupted before its clean-up left its rows behind: remove them first.
    await removeAdded(db);
    const now = new Date(manifest.now);
    log(`${formatCount(users)} users, ${formatCount(manifest.counts.events)} events: capturing the bare-SQL baselines`);
    const statements = await captureBareStatements(db, now);
    const bare = {} as SizeResult['bare'];
    for (const phase of BARE_PHASES) {
      bare[phase as BarePhase] = (await replayStatements(pgHandle.url, statements[phase], args.repeat)).median;
      log(`bare SQL of ${phase}: ${statements[phase].length} statements, median ${formatMs(bare[phase])}`);
    }

    Runtime.install({ logger: new DefaultLogger('WARN') });
    const worker = await startEngineWorker({
      db,
      temporalAddress,
      namespace: 'default',
      taskQueue: TASK_QUEUE,
      log: () => undefined,
      ensureSchedules: false,
    });
    const connection = await Connection.connect({ address: temporalAddress });
    const client = new Client({ connection, namespace: 'default' });
    collectGarbage();
    const memory = startMemorySampler();
    try {
      const full = await runCycle(
        client,
        db,
        { now: now.toISOString(), full: true },
        `${formatCount(users)}: full`,
        log,
      );
      const added = await addOnePercent(db, now, manifest.counts);
      log(`added ${formatCount(added.users)} users and ${formatCount(added.events)} events over the next day`);
      try {
        const later = new Date(now.getTime() + DAY_MS).toISOString();
        const incremental = await runCycle(client, db, { now: later }, `${formatCount(users)}: after +1%`, log);
        const mem = memory();
        return {
          users,
          events: manifest.counts.events,
          bare,
          full,
          incremental,
          peakHeapGrowth: mem.peakHeapGrowth,
        };
      } finally {
        await removeAdded(db);
      }
    } finally {
      await connection.close();
      await worker.shutdown();
    }
  } finally {
    await db.destroy();
    await pgHandle.stop();
  }
}

export async function runCycleBench(args: BenchArgs, log: Log): Promise<number> {
  const temporal = await ensureTemporal({ log });
  try {
    const small = Math.round(args.users / 10);
    const sizes = small >= MIN_USERS ? [small, args.users] : [args.users];
    const loadBefore = os.loadavg();
    const results: SizeResult[] = [];
    for (const users of sizes) results.push(await benchSize(users, args, temporal.address, log));
    const loadAfter = os.loadavg();
    const targets = evaluateCycleTargets(results);
    console.log('');
    console.log(
      `Cycle bench: dry-run cycles at ${sizes.map(formatCount).join(' and ')} users, logical now ${BENCH_NOW.toISOString()}, ` +
        `bare SQL median of ${args.repeat}; load average ${loadBefore[0]!.toFixed(1)} → ${loadAfter[0]!.toFixed(1)} on ${os.cpus().length} CPUs`,
    );
    console.log(cycleReport(results, targets));
    const file = writeResults(path.join(dataDir, 'bench'), args.users, new Date(), {
      mode: 'cycle',
      machine: { cpus: os.cpus().length, node: process.version, loadAverage: { before: loadBefore, after: loadAfter } },
      sizes: results,
      targets,
    });
    const failed = targets.filter((t) => t.status === 'FAIL');
    console.log('');
    console.log(
      `${failed.length ? `${failed.length} target(s) FAILED: ${failed.map((t) => t.id).join(', ')}` : 'all targets passed'}; results ${path.relative(process.cwd(), file)}`,
    );
    return failed.length && args.strict ? 1 : 0;
  } finally {
    await temporal.stop();
  }
}
