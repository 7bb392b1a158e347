// `npm run chaos -- --trials N [--users U]`: N crash trials, each a fresh database seeded with U demo users and
// one live cycle whose worker is SIGKILLed inside heal, optimize and prevent; prints recovery times and the
// invariants (all 0 when nothing was dropped, duplicated, left pending or unaudited). Exits 1 on a violation.
// `--outage postgres|temporal [--down S]`: instead, PostgreSQL stopped for S seconds (default 30) or the Temporal
// dev server restarted (down S, default 3) inside optimize, on servers this command starts itself.
import { createDb } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import pg from 'pg';
import { ensureTestNamespace } from './lib/namespace';
import { prepareChaosDatabase, runTrial, type TrialResult } from './lib/chaos';
import { ensureDevServers } from './lib/dev-servers';
import { parseFlags } from './lib/flags';
import { ensureDatabase } from './lib/postgres';
import { OUTAGE_KINDS, type OutageKind } from './lib/outage';
import { runOutageMode } from './lib/outage-mode';

const USAGE = 'usage: npm run chaos -- [--trials N] [--users U] [--outage postgres|temporal [--down S] [--json]]';
const flags = parseFlags(process.argv.slice(2), {
  trials: { type: 'string' },
  users: { type: 'string' },
  outage: { type: 'string' },
  down: { type: 'string' },
  json: { type: 'boolean' },
});
if (!flags.ok || flags.help) {
  console.log(flags.ok ? USAGE : `${flags.error}\n${USAGE}`);
  process.exit(flags.ok ? 0 : 1);
}
const positive = (raw: string | true | undefined, name: string, dflt: number): number => {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer, got ${String(raw)}`);
    process.exit(1);
  }
  return n;
};
const trials = positive(flags.values.trials, 'trials', 3);
const users = positive(flags.values.users, 'users', 4000);

const NOW = new Date('2026-11-20T12:00:00.000Z');
const NAMESPACE = 'floyo-chaos';
const log = (m: string) => console.log(m);

if (flags.values.outage !== undefined) {
  const kind = String(flags.values.outage) as OutageKind;
  if (!OUTAGE_KINDS.includes(kind)) {
    console.error(`--outage must be one of ${OUTAGE_KINDS.join(', ')}, got ${String(flags.values.outage)}`);
    process.exit(1);
  }
  const down = positive(flags.values.down, 'down', kind === 'postgres' ? 30 : 3);
  process.exit(
    await runOutageMode({
      kind,
      downSeconds: down,
      users,
      trials: flags.values.trials ? trials : 1,
      now: NOW,
      namespace: NAMESPACE,
      json: !!flags.values.json,
      log,
    }),
  );
}
const servers = await ensureDevServers(log);
const results: TrialResult[] = [];
let seed = 1;
try {
  await ensureTestNamespace(servers.temporalAddress, NAMESPACE);
  for (let i = 1; i <= trials; i++) {
    const name = `floyo_chaos_${process.pid}_${i}`;
    const url = new URL(servers.databaseUrl);
    await ensureDatabase(servers.databaseUrl, name);
    url.pathname = `/${name}`;
    const db = createDb(url.toString(), { poolMax: 4 });
    try {
      log(`trial ${i}/${trials}: seeding ${users} users`);
      await migrateLatest(db);
      await prepareChaosDatabase(db, { users, seed: seed++, now: NOW });
      let state = 20261202 + i;
      const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      results.push(
        await runTrial(
          {
            db,
            databaseUrl: url.toString(),
            temporalAddress: servers.temporalAddress,
            namespace: NAMESPACE,
            taskQueue: `chaos-${process.pid}-${i}`,
            now: NOW,
            log,
            random,
          },
          { cycles: 1, maxDelayMs: 1500, label: `${process.pid}-${i}` },
        ),
      );
    } finally {
      await db.destroy();
      const admin = new pg.Client({ connectionString: servers.databaseUrl });
      await admin.connect();
      await admin.query(`drop database if exists "${name}" with (force)`).finally(() => admin.end());
    }
  }
} finally {
  await servers.stop();
}

const kills = results.flatMap((r) => r.kills);
const inPhase = kills.filter((k) => k.inPhase);
const retried = inPhase.map((k) => k.recoverySeconds ?? Infinity);
const violations = results.flatMap((r) => Object.entries(r.invariants).filter(([, n]) => n > 0));
console.log(`\ntrials ${trials} · kills ${kills.length} (inside a phase ${inPhase.length})`);
console.log(`effects ${results.reduce((a, r) => a + r.effects, 0)}`);
console.log(
  `retry after a kill: max ${Math.max(...retried).toFixed(1)} s, mean ${(retried.reduce((a, b) => a + b, 0) / (retried.length || 1)).toFixed(1)} s`,
);
for (const name of Object.keys(results[0]?.invariants ?? {}) as Array<keyof TrialResult['invariants']>)
  console.log(`${name.padEnd(26)} ${results.reduce((a, r) => a + r.invariants[name], 0)}`);
if (violations.length) {
  console.error(`violations: ${violations.map(([k, n]) => `${k}=${n}`).join(', ')}`);
  process.exit(1);
}
