// One global setup for the whole suite: starts (or reuses) PostgreSQL and the Temporal dev server,
// builds a migrated template database each test file clones, and bundles the workflows once.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { createDb } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { ensureDashboardBuilt } from '../scripts/lib/dashboard';
import { ensureChromium } from './helpers/browser';
import { ensureDatabase, ensurePostgres, type PostgresHandle } from '../scripts/lib/postgres';
import { ensureTemporal, type TemporalHandle } from '../scripts/lib/temporal-server';
import { ensureStripeMock, type StripeMockHandle } from '../scripts/lib/stripe-mock';
import { ensureMailpit, type MailpitHandle } from '../scripts/lib/mailpit';
import { dataDir, repoRoot } from '../platform/paths';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplateDb: string;
    temporalAddress: string;
    temporalNamespace: string;
    workflowBundlePath: string;
    /** The Chromium binary for the browser tests, or `error: why it is missing`. */
    chromium: string;
    /** stripe-mock's base URL (http://127.0.0.1:<port>), or `error: why it is missing`. */
    stripeMockUrl: string;
    /** Mailpit as JSON {smtpHost, smtpPort, apiUrl}, or `error: why it is missing`. */
    mailpit: string;
  }
}

// One template per checkout: git worktrees with different migrations share a PostgreSQL server,
// and knex refuses a database that has run migrations its checkout does not know.
const TEMPLATE_DB = `floyo_test_template_${crypto.createHash('sha1').update(repoRoot).digest('hex').slice(0, 8)}`;
let pgHandle: PostgresHandle | undefined;
let temporal: TemporalHandle | undefined;
let stripeMock: StripeMockHandle | undefined;
let mailpit: MailpitHandle | undefined;

const log = (m: string) => console.log(`[test setup] ${m}`);

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Drops test databases left by runs that died; those of concurrently running suites are kept. */
async function dropStaleTestDatabases(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      `select datname from pg_database where datname like 'floyo\\_t\\_%'`,
    );
    for (const { datname } of rows) {
      const pid = Number(datname.split('_').at(-2));
      if (Number.isInteger(pid) && processAlive(pid)) continue;
      await client.query(`drop database if exists "${datname}" with (force)`);
    }
  } finally {
    await client.end();
  }
}

export default async function setup(project: TestProject) {
  // The browser tests (and the api's `/`) serve dashboard/dist: build it when missing or stale.
  const [pgh, tmp] = await Promise.all([
    ensurePostgres({ log, database: 'postgres' }),
    ensureTemporal({ log }),
    ensureDashboardBuilt({ log }),
  ]);
  // Installed here, once, rather than inside a test's hook timeout; a failure is reported by the browser tests.
  const chromium = await ensureChromium(log).catch((err: Error) => `error: ${err.message}`);
  pgHandle = pgh;
  temporal = tmp;
  // Built from their Go modules on first use, like the Temporal CLI; a failure is reported by the tests using them.
  const [stripeMockUrl, mailpitInfo] = await Promise.all([
    ensureStripeMock({ log }).then(
      (h) => ((stripeMock = h), h.url),
      (err: Error) => `error: ${err.message}`,
    ),
    ensureMailpit({ log }).then(
      (h) => ((mailpit = h), JSON.stringify({ smtpHost: h.smtpHost, smtpPort: h.smtpPort, apiUrl: h.apiUrl })),
      (err: Error) => `error: ${err.message}`,
    ),
  ]);

  await dropStaleTestDatabases(pgh.adminUrl);
  // Migrating is idempotent, so a template left by an earlier run is brought up to date, not rebuilt.
  await ensureDatabase(pgh.adminUrl, TEMPLATE_DB);
  const templateUrl = new URL(pgh.adminUrl);
  templateUrl.pathname = `/${TEMPLATE_DB}`;
  const db = createDb(templateUrl.toString(), { poolMax: 1 });
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }

  const bundlePath = path.join(dataDir, 'test', 'workflow-bundle.js');
  fs.mkdirSync(path.dirname(bundlePath), { recursive: true });
  const bundle = await bundleWorkflowCode({
    workflowsPath: path.join(repoRoot, 'workflows', 'index.ts'),
    logger: new DefaultLogger('WARN'),
  });
  // Write then rename: another suite running at the same time may be loading the previous bundle.
  fs.writeFileSync(`${bundlePath}.${process.pid}`, bundle.code);
  fs.renameSync(`${bundlePath}.${process.pid}`, bundlePath);

  project.provide('pgAdminUrl', pgh.adminUrl);
  project.provide('pgTemplateDb', TEMPLATE_DB);
  project.provide('temporalAddress', tmp.address);
  project.provide('temporalNamespace', tmp.namespace);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('chromium', chromium);
  project.provide('stripeMockUrl', stripeMockUrl);
  project.provide('mailpit', mailpitInfo);

  return async () => {
    await Promise.all([stripeMock?.stop(), mailpit?.stop()]);
    await temporal?.stop();
    await pgHandle?.stop();
  };
}
