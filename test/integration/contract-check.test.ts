// The data-contract check on real PostgreSQL: the migrated template (migrations/20261125000001_app_schema.ts)
// matches db/contract.ts exactly; views count like tables; and `npm run contract -- check` on a clone with one
// column dropped and one retyped reports exactly those two gaps and exits 1.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_CONTRACT } from '../../db/contract';
import { contractGaps } from '../../db/contract-gaps';
import { listAppColumns } from '../../db/queries/app-columns';
import { repoRoot } from '../../platform/paths';
import { createTestDb, type TestDb } from '../helpers/db';
import { childEnv } from '../../platform/config';

function contractCli(args: string[], databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'scripts', 'contract-cli.ts'), ...args],
      { env: childEnv({ DATABASE_URL: databaseUrl }), cwd: repoRoot, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const dbs: TestDb[] = [];
const fresh = async (label: string) => {
  const t = await createTestDb(label);
  dbs.push(t);
  return t;
};
let broken: TestDb;

beforeAll(async () => {
  broken = await fresh('contract_broken');
  await broken.db.raw(`
    ALTER TABLE app.payments DROP COLUMN failure_code;
    ALTER TABLE app.users ALTER COLUMN created_at TYPE text USING created_at::text;
  `);
});
afterAll(async () => {
  for (const t of dbs) await t.drop();
});

describe('data contract check', () => {
  it('the app migration and the contract agree column for column, with no gaps', async () => {
    const t = await fresh('contract_template');
    const columns = await listAppColumns(t.db);
    expect(contractGaps(APP_CONTRACT, columns)).toEqual([]);
    const migrated = columns.map((c) => `${c.table}.${c.column}`).sort();
    const contracted = Object.entries(APP_CONTRACT)
      .flatMap(([table, cols]) => Object.keys(cols).map((c) => `${table}.${c}`))
      .sort();
    expect(migrated).toEqual(contracted);
  });

  it('accepts views (and varchar for text); flags a view column of the wrong type', async () => {
    const t = await fresh('contract_views');
    await t.db.raw(`
      CREATE SCHEMA billing;
      CREATE TABLE billing.price (id integer, title varchar(80), amount numeric(10,2), period text);
      DROP TABLE app.plans;
      CREATE VIEW app.plans AS SELECT id, title::varchar(80) AS name, amount AS price_cents, period AS interval FROM billing.price;
    `);
    expect(contractGaps(APP_CONTRACT, await listAppColumns(t.db)).map((g) => g.line)).toEqual([
      'app.plans.price_cents: type numeric(10,2), expected integer or bigint or smallint — upgrade offer prices need it',
    ]);
  });

  it('reports a missing table once, and an optional column without failing', async () => {
    const t = await fresh('contract_missing');
    await t.db.raw('DROP TABLE app.acquisition_spend; ALTER TABLE app.events DROP COLUMN properties;');
    const gaps = contractGaps(APP_CONTRACT, await listAppColumns(t.db));
    expect(gaps.map((g) => [g.line, g.required])).toEqual([
      ['app.events.properties: missing — optional, nothing reads it today', false],
      ['app.acquisition_spend: missing (no table or view) — the CAC window; CAC in LTV:CAC need it', true],
    ]);
  });

  it('npm run contract -- check: exactly the two gaps, exit 1; a clean database exits 0', async () => {
    const r = await contractCli(['check'], broken.url);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      'app.users.created_at: type text, expected timestamp with time zone — the KPI cohorts, the funnel and onboarding nudges need it',
      'app.payments.failure_code: missing — billing detectors and payment retries need it',
      '2 gaps between schema app and the data contract',
    ]);
    const clean = await fresh('contract_clean');
    const ok = await contractCli(['check'], clean.url);
    expect(ok).toMatchObject({ code: 0, stdout: 'schema app meets the data contract (7 tables, 48 columns)\n' });
  });

  it('a wrong command is one line on stderr and exit 2', async () => {
    const r = await contractCli(['chek'], broken.url);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr.trim()).toBe('unknown command "chek"; usage: npm run contract -- check');
  });
});
