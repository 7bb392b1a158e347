// `npm run bench -- [--users N] [--seed S] [--repeat R] [--reseed] [--only groups] [--explain] [--strict] [--http | --cycle]`:
// times the analyze path's SQL (each KPI, computeKpis, each detector group, runAllDetectors,
// recordFindings, the whole analyze) against a dedicated database floyo_bench_<N> holding the demo data
// for N users (seeded once, reused after), with process memory sampled throughout; prints min / median /
// max per case and PASS/FAIL per target, and writes everything to .data/bench/results-<N>-<time>.json.
// Exit codes: 2 bad arguments, 1 the benchmark could not run (or a target failed under --strict), else 0.
import path from 'node:path';
import os from 'node:os';
import { createDb } from '../db/knex';
import { refreshEventRollups } from '../db/event-rollups';
import { migrateLatest } from '../db/migrate';
import { dataDir } from '../platform/paths';
import { ensureDatabase, ensurePostgres, redact, type PostgresHandle } from './lib/postgres';
import { BENCH_DEFAULTS, BENCH_USAGE, parseBenchArgs } from './bench/args';
import { benchCases } from './bench/cases';
import { prepareContext } from './bench/cases-analyze';
import { BENCH_NOW, benchDatabaseName, prepareBenchData, serverInfo } from './bench/database';
import { explainCases, type ExplainedStatement } from './bench/explain';
import { formatCount, formatMb, formatMs } from './bench/format';
import { runCycleBench } from './bench/cycle';
import { runHttpBench } from './bench/http';
import { SAMPLE_INTERVAL_MS, collectGarbage } from './bench/memory';
import { casesTable, explainReport, targetsTable, writeResults } from './bench/report';
import { runCase, type CaseResult } from './bench/runner';
import { evaluateTargets } from './bench/targets';

const parsed = parseBenchArgs(process.argv.slice(2));
if (!parsed.ok) {
  console.error(`bench: ${parsed.error}. ${BENCH_USAGE}`);
  process.exit(2);
}
if ('help' in parsed) {
  console.log(
    `${BENCH_USAGE}\n` +
      `  defaults: --users ${BENCH_DEFAULTS.users} --seed ${BENCH_DEFAULTS.seed} --repeat ${BENCH_DEFAULTS.repeat}, every group\n` +
      '  --reseed   regenerate the data even if the bench database already holds it\n' +
      '  --explain  EXPLAIN (ANALYZE, BUFFERS) every statement reading schema app; a Seq Scan on app.events fails (from 1M events)\n' +
      '  --strict   exit with code 1 when a target fails\n' +
      "  --http     instead: load the api's read routes with autocannon against a Fastify hello-world (scripts/bench/http.ts)\n" +
      '  --cycle    instead: whole dry-run cycles at N and N/10 users (from scratch, then after +1% data) against the\n' +
      '             bare-SQL baselines of their phases (scripts/bench/cycle.ts)',
  );
  process.exit(0);
}
const args = parsed.args;
const startedAt = new Date();
const log = (m: string) => console.log(`[bench +${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)}s] ${m}`);

async function main(): Promise<number> {
  if (args.http || args.cycle) {
    try {
      return await (args.http ? runHttpBench(args, log) : runCycleBench(args, log));
    } catch (err) {
      console.error(`bench failed: ${(err as Error).stack ?? (err as Error).message}`);
      return 1;
    }
  }
  const database = benchDatabaseName(args.users);
  let pg: PostgresHandle;
  try {
    pg = await ensurePostgres({ log, database });
    // ensurePostgres creates the database only for the embedded server; DATABASE_URL's server needs it too.
    await ensureDatabase(pg.adminUrl, database);
  } catch (err) {
    console.error(`bench: ${(err as Error).message}`);
    return 1;
  }
  const db = createDb(pg.url, { poolMax: 4, applicationName: 'floyo-bench' });
  try {
    log(`database ${database} on ${pg.embedded ? 'the embedded server' : 'DATABASE_URL'} (${redact(pg.url)})`);
    const applied = await migrateLatest(db);
    if (applied.length) log(`migrated: ${applied.join(', ')}`);

    const data = await prepareBenchData(db, { users: args.users, seed: args.seed, reseed: args.reseed, log });
    if (!data.seeded) log(data.reason);
    if (data.warning) log(`WARNING: ${data.warning}`);
    const manifest = data.stored.manifest;
    const c = manifest.counts;
    const now = new Date(manifest.now);
    log(
      `data: ${formatCount(c.users)} users, ${formatCount(c.events)} events, ${formatCount(c.subscriptions)} subscriptions, ` +
        `${formatCount(c.payments)} payments, ${formatCount(c.suggestions)} suggestions; logical now ${manifest.now}`,
    );

    const server = await serverInfo(db);
    log(
      `server: ${server.version?.split(' on ')[0]}; database ${formatMb(server.databaseBytes)}, app.events ${formatMb(server.eventsBytes)} ` +
        `with indexes; ${Object.entries(server.settings)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
    );

    // As the hourly monitor keeps them: the KPI and learning cases read the event rollups, brought up to date
    // first and untimed (a rebuild the first time, minutes at a million users; `--cycle` times both).
    const rollups = await refreshEventRollups(db, now);
    log(
      `event rollups: ${rollups.kind} to ${rollups.to}, ${formatCount(rollups.users)} users folded in ${formatMs(rollups.ms)}`,
    );

    const cases = benchCases(args.only);
    const loadBefore = os.loadavg();
    // Timings on a busy machine (tests, builds, another benchmark) are not comparable: say so up front.
    if (loadBefore[0]! > os.cpus().length) {
      log(
        `WARNING: load average ${loadBefore[0]!.toFixed(1)} on ${os.cpus().length} CPUs: other work competes for the machine, timings will be inflated`,
      );
    }

    if (args.only.includes('detectors') || args.only.includes('findings')) {
      log(
        'computing the KPIs and findings that runAllDetectors / recordFindings take as input, once (untimed; also warms the caches)',
      );
    }
    const ctx = await prepareContext(db, now, manifest, args.only);
    const gcAvailable = collectGarbage();

    const results: CaseResult[] = [];
    for (const bc of cases) {
      const r = await runCase(bc, ctx, args.repeat);
      results.push(r);
      log(
        r.error
          ? `${bc.name}: ERROR ${r.error}`
          : `${bc.name}: median ${formatMs(r.stats!.median)} (min ${formatMs(r.stats!.min)}, max ${formatMs(r.stats!.max)}), heap Δpeak ${formatMb(r.memory!.peakHeapGrowth)}`,
      );
    }

    let explained: ExplainedStatement[] | null = null;
    if (args.explain) {
      log('EXPLAIN (ANALYZE, BUFFERS): running each case once more to capture its statements');
      explained = await explainCases(cases, ctx, pg.url, log);
    }

    const targets = evaluateTargets(results, args.users, explained, c.events);
    const loadAfter = os.loadavg();
    const finishedAt = new Date();

    console.log('');
    console.log(
      `Benchmark: ${formatCount(args.users)} users (${formatCount(c.events)} events), seed ${args.seed}, ` +
        `${args.repeat} run(s) per case, logical now ${manifest.now}, memory sampled every ${SAMPLE_INTERVAL_MS} ms` +
        `${gcAvailable ? ' after a full GC per case' : ''}; load average ${loadBefore[0]!.toFixed(1)} → ${loadAfter[0]!.toFixed(1)} on ${os.cpus().length} CPUs`,
    );
    console.log(casesTable(results, args.repeat));
    if (explained) {
      console.log('');
      console.log(explainReport(explained));
    }
    console.log('');
    console.log(targetsTable(targets, args.users));

    const file = writeResults(path.join(dataDir, 'bench'), args.users, startedAt, {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      args,
      database: { name: database, url: redact(pg.url), embedded: pg.embedded },
      machine: {
        cpus: os.cpus().length,
        totalMemBytes: os.totalmem(),
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        loadAverage: { before: loadBefore, after: loadAfter },
      },
      server,
      data: {
        seeded: data.seeded,
        reason: data.reason,
        seedMs: data.stored.seedMs,
        seededAt: data.stored.seededAt,
        vacuumMs: data.vacuumMs,
        warning: data.warning,
        generatorHash: data.stored.generatorHash,
        benchNow: BENCH_NOW.toISOString(),
        manifest,
      },
      memorySampling: { intervalMs: SAMPLE_INTERVAL_MS, gcBeforeEachCase: gcAvailable },
      cases: results,
      targets,
      explain: explained,
    });
    const failed = targets.filter((t) => t.status === 'FAIL');
    console.log('');
    console.log(
      `${failed.length ? `${failed.length} target(s) FAILED: ${failed.map((t) => t.id).join(', ')}` : 'all targets passed'}; ` +
        `results ${path.relative(process.cwd(), file) || file}; total ${formatMs(finishedAt.getTime() - startedAt.getTime())}`,
    );
    return failed.length && args.strict ? 1 : 0;
  } catch (err) {
    console.error(`bench failed: ${(err as Error).stack ?? (err as Error).message}`);
    return 1;
  } finally {
    await db.destroy();
    await pg.stop();
  }
}

process.exit(await main());
