// Read-only mode under a PostgreSQL role that may only read schema app (USAGE + SELECT) and do anything in
// schema engine: two live cycles run on the real dev server with the real worker activities connected as that
// role. Both complete with no failed activity attempt (a write to app would be `permission denied`), app is
// byte-for-byte unchanged, the effects that would write app (sandbox payment retries, SQL data fixes) are
// blocked by the app_read_only gate with their reason, messages still go out through the messenger port, and
// `npm run seed` refuses to seed.
import { execFile } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb, type Db } from '../../db/knex';
import { migrateLatest } from '../../db/migrate';
import { appWritingPorts } from '../../engine/safety/app-read-only';
import { childEnv } from '../../platform/config';
import { repoRoot } from '../../platform/paths';
import { seedDemoData } from '../../scripts/seed/generate';
import { SEED_REFUSED_READ_ONLY } from '../../scripts/seed/read-only';
import type { SeedManifest } from '../../scripts/seed/manifest';
import { autonomousCycle } from '../../workflows';
import { approveSignal } from '../../workflows/definitions';
import { appChecksums } from '../helpers/checksums';
import { campaignWorkflowId } from '../../engine/campaigns/campaign';
import { createTestDb, type TestDb } from '../helpers/db';
import { waitingWorkflowIds } from '../helpers/waiting-workflows';
import { startTestWorker, type TestWorker } from '../helpers/temporal';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const ROLE = `floyo_ro_${process.pid}_${Date.now().toString(36)}`;
const APP_WRITING_TYPES = ['retry_payment', 'cancel_orphaned_subscription', 'normalize_email'];
let t: TestDb;
let roDb: Db;
let roUrl: string;
let w: TestWorker;
let manifest: SeedManifest;
let before: Record<string, string>;
const cycles: string[] = [];

async function asAdmin(database: string | null, sql: string): Promise<void> {
  const url = new URL(inject('pgAdminUrl'));
  if (database) url.pathname = `/${database}`;
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  t = await createTestDb('read_only_role');
  manifest = await seedDemoData(t.db, { users: 1500, seed: 23, now: NOW });
  await asAdmin(
    t.name,
    `CREATE ROLE ${ROLE} LOGIN PASSWORD 'read-only-test';
     GRANT CONNECT, TEMPORARY ON DATABASE "${t.name}" TO ${ROLE};
     GRANT USAGE ON SCHEMA app TO ${ROLE};
     GRANT SELECT ON ALL TABLES IN SCHEMA app TO ${ROLE};
     GRANT USAGE, CREATE ON SCHEMA engine TO ${ROLE};
     GRANT ALL ON ALL TABLES IN SCHEMA engine TO ${ROLE};
     GRANT ALL ON ALL SEQUENCES IN SCHEMA engine TO ${ROLE};
     GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA engine TO ${ROLE};
     GRANT SELECT, INSERT, UPDATE ON public.knex_migrations, public.knex_migrations_lock TO ${ROLE};`,
  );
  const url = new URL(t.url);
  url.username = ROLE;
  url.password = 'read-only-test';
  roUrl = url.toString();
  roDb = createDb(roUrl, { poolMax: 5, applicationName: 'test:read-only' });
  w = await startTestWorker(roDb, {
    label: 'read-only',
    deps: { appWriteBlocked: appWritingPorts({ readOnly: true, paymentGateway: 'sandbox' }) },
  });
  before = await appChecksums(t.db);
  for (let i = 1; i <= 2; i++) {
    const workflowId = `test-read-only-${process.pid}-${Date.now().toString(36)}-${i}`;
    await w.client.workflow.execute(autonomousCycle, {
      workflowId,
      taskQueue: w.taskQueue,
      args: [{ dryRun: false, trigger: 'api', requestedBy: 'test', now: NOW.toISOString() }],
    });
    cycles.push(workflowId);
  }
}, 300_000);

afterAll(async () => {
  const pending: string[] = t ? await waitingWorkflowIds(t.db) : [];
  await Promise.all(
    pending.map((id) =>
      w.client.workflow
        .getHandle(id)
        .terminate('test finished')
        .catch(() => undefined),
    ),
  );
  await w?.shutdown();
  await roDb?.destroy();
  await t?.drop();
  await asAdmin(null, `DROP ROLE IF EXISTS ${ROLE}`);
});

describe('read-only mode under a SELECT-only role on schema app', () => {
  it("the worker's start-up migration has nothing to apply and runs as the role", async () => {
    expect(await migrateLatest(roDb)).toEqual([]);
  });

  it('the role really cannot write app', async () => {
    await expect(roDb('app.users').where({ id: 1 }).update({ email: 'x@example.com' })).rejects.toThrow(
      /permission denied/,
    );
  });

  it('two live cycles complete with no failed activity attempt and app unchanged', async () => {
    expect(cycles).toHaveLength(2);
    for (const id of cycles) {
      const cycle = await t.db('engine.cycles').where({ id }).first();
      expect(cycle).toMatchObject({ status: 'completed', dry_run: false });
      const history = await w.client.workflow.getHandle(id).fetchHistory();
      const failed = (history.events ?? []).filter((e) => e.activityTaskFailedEventAttributes);
      expect(failed).toEqual([]);
    }
    expect(await appChecksums(t.db)).toEqual(before);
  });

  it('blocks the effects that would write app, with the reason, and an approved message goes out through the port', async () => {
    const actions: Array<{ id: string; type: string; status: string }> = await t
      .db('engine.actions')
      .whereIn('cycle_id', cycles)
      .select('id', 'type', 'status');
    const appWriting = actions.filter((a) => APP_WRITING_TYPES.includes(a.type));
    expect(appWriting.filter((a) => a.type === 'retry_payment').length).toBeGreaterThan(0);
    // Blocked, not done: the second cycle finds the same emails and blocks them again.
    expect(appWriting.filter((a) => a.type === 'normalize_email')).toHaveLength(
      manifest.planted.unnormalizedEmails * cycles.length,
    );
    expect(new Set(appWriting.map((a) => a.status))).toEqual(new Set(['blocked']));
    const gates: Array<{ action_id: string; passed: boolean; reason: string }> = await t
      .db('engine.gate_decisions')
      .where({ gate: 'app_read_only' })
      .select('action_id', 'passed', 'reason');
    expect(new Set(gates.map((g) => g.action_id))).toEqual(new Set(appWriting.map((a) => a.id)));
    for (const g of gates) {
      expect(g.passed).toBe(false);
      expect(g.reason).toMatch(/^schema app is read-only \(APP_SCHEMA_READ_ONLY\): the (sandbox|SQL)/);
    }
    const actionReasons: string[] = await t
      .db('engine.actions')
      .whereIn(
        'id',
        appWriting.map((a) => a.id),
      )
      .pluck('status_reason');
    for (const r of actionReasons) expect(r).toMatch(/schema app is read-only/);

    // Messages do not touch app: an operator approves a campaign and its messages go out through the messenger port.
    const campaign = await t
      .db('engine.campaigns')
      .whereIn('cycle_id', cycles)
      .where({ status: 'pending_approval' })
      .orderBy('id')
      .first('id');
    expect(campaign).toBeDefined();
    const rollout = w.client.workflow.getHandle(campaignWorkflowId(campaign.id));
    await expect
      .poll(async () => (await t.db('engine.campaigns').where({ id: campaign.id }).first())?.workflow_id, {
        timeout: 30_000,
      })
      .toBeTruthy();
    await rollout.signal(approveSignal, { operator: 'alice', reason: 'read-only mode test' });
    expect(await rollout.result()).toMatchObject({ status: 'completed' });
    const statuses = await t
      .db('engine.actions')
      .where({ campaign_id: campaign.id })
      .distinct('status')
      .pluck('status');
    expect(statuses).toContain('executed');
    expect(statuses).not.toContain('pending_approval');

    const effects: Array<{ port: string; status: string }> = await t.db('engine.effects').select('port', 'status');
    expect(effects.length).toBeGreaterThan(0);
    expect(effects.filter((e) => e.port !== 'messenger' || e.status !== 'succeeded')).toEqual([]);
    expect(await t.db('engine.actions').where({ status: 'failed' })).toEqual([]);
    expect(await appChecksums(t.db)).toEqual(before);
  });

  it('npm run seed refuses to seed schema app in read-only mode', async () => {
    const out = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', path.join(repoRoot, 'scripts', 'seed-cli.ts'), '--users', '100'],
        { env: childEnv({ DATABASE_URL: roUrl, APP_SCHEMA_READ_ONLY: 'true' }), cwd: repoRoot, timeout: 120_000 },
        (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect(out).toEqual({ code: 1, stderr: `seed: ${SEED_REFUSED_READ_ONLY}\n` });
    expect(await appChecksums(t.db)).toEqual(before);
  });
});
