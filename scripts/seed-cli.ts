// `npm run seed -- --users N --seed S [--now ISO] [--manifest path]`: replaces schema `app` of
// DATABASE_URL (or the embedded dev database) with deterministic demo data and writes the manifest of
// planted problems (default .data/seed-manifest.json). Bad arguments: one line on stderr, exit code 2.
import fs from 'node:fs';
import path from 'node:path';
import { createDb } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { ensurePostgres } from './lib/postgres';
import { dataDir } from '../platform/paths';
import { config } from '../platform/config';
import { SEED_USAGE, parseSeedArgs } from './seed/args';
import { seedDemoData } from './seed/generate';
import { SEED_REFUSED_READ_ONLY } from './seed/read-only';

const log = (m: string) => console.log(`[seed] ${m}`);
const fmt = (n: number) => n.toLocaleString('en-US');

const parsed = parseSeedArgs(process.argv.slice(2), { defaultManifestPath: path.join(dataDir, 'seed-manifest.json') });
if (!parsed.ok) {
  console.error(`seed: ${parsed.error}. ${SEED_USAGE}`);
  process.exit(2);
}
if ('help' in parsed) {
  console.log(
    `${SEED_USAGE}\n  defaults: --users 10000 --seed 42 --now <current hour, UTC> --manifest .data/seed-manifest.json`,
  );
  process.exit(0);
}
const { users, seed, now, manifestPath } = parsed.args;
if (config.APP_SCHEMA_READ_ONLY) {
  console.error(`seed: ${SEED_REFUSED_READ_ONLY}`);
  process.exit(1);
}

const started = Date.now();
let exitCode = 0;
const pg = await ensurePostgres({ log }).catch((err: unknown) => {
  console.error(`seed: ${(err as Error).message}`);
  process.exit(1);
});
const db = createDb(pg.url, { poolMax: 2, applicationName: 'floyo-seed' });
try {
  const applied = await migrateLatest(db);
  if (applied.length) log(`migrated: ${applied.join(', ')}`);
  log(`seeding ${fmt(users)} users, seed ${seed}, now ${now.toISOString()}`);
  const manifest = await seedDemoData(db, { users, seed, now, onProgress: log });
  fs.mkdirSync(path.dirname(manifestPath), { recursive: true });
  fs.writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  const c = manifest.counts;
  const planted = Object.entries(manifest.planted)
    .filter(([k]) => k !== 'duplicateEmailGroups')
    .reduce((sum, [, n]) => sum + n, 0);
  const relative = path.relative(process.cwd(), manifestPath);
  const where = relative && !relative.startsWith('..') ? relative : manifestPath;
  console.log(
    `seeded ${fmt(c.users)} users, ${fmt(c.events)} events, ${fmt(c.subscriptions)} subscriptions, ${fmt(c.payments)} payments, ` +
      `${fmt(c.suggestions)} suggestions (seed ${seed}, now ${manifest.now}); ${fmt(planted)} planted problems; ` +
      `manifest ${where}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
} catch (err) {
  console.error(`seed failed: ${(err as Error).message}`);
  exitCode = 1;
} finally {
  await db.destroy();
  await pg.stop();
}
process.exit(exitCode);
