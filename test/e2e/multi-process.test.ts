// The production shape on the real dev server and PostgreSQL: two worker processes and two api processes started at
// the same moment on one task queue and one fresh, unmigrated database. Migrations do not race, the schedules are
// created once, a live cycle started through one api completes once, an approval decided through both apis at once is
// decided once, and a worker SIGKILLed mid-phase leaves the other to finish the cycle.
import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import pg from 'pg';
import { createApiKey } from '../../db/repos/api-keys';
import { MIGRATE_ADVISORY_LOCK } from '../../db/migrate';
import { repoRoot } from '../../platform/paths';
import { checkInvariants, endApprovals, prepareChaosDatabase } from '../../scripts/lib/chaos';
import { ApiProcess, WorkerProcess, type EngineServers } from '../../scripts/lib/engine-processes';
import { ensureTestNamespace } from '../../scripts/lib/namespace';
import { approvalWorkflowId, SCHEDULE_IDS } from '../../workflows/definitions';
import { createTestDb, type TestDb } from '../helpers/db';

const NAMESPACE = 'floyo-e2e-multi';
const ADMIN_KEY = `multi-admin-key-${process.pid}-${Date.now().toString(36)}`;
const KILLED_PHASE = 'optimize';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let t: TestDb;
let connection: Connection;
let client: Client;
let workers: WorkerProcess[] = [];
let apis: ApiProcess[] = [];
let cycleId = '';

async function deleteSchedules(): Promise<void> {
  for (const id of Object.values(SCHEDULE_IDS))
    await client.schedule
      .getHandle(id)
      .delete()
      .catch((err: unknown) => {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      });
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const call = (api: ApiProcess, method: string, url: string, key: string, body?: unknown) =>
  fetch(`${api.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });

beforeAll(async () => {
  t = await createTestDb('multi', { migrated: false });
  await ensureTestNamespace(inject('temporalAddress'), NAMESPACE);
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: NAMESPACE });
  // The schedule ids are fixed: start without them, so "created" below is this run's.
  await deleteSchedules();
  const servers: EngineServers = {
    databaseUrl: t.url,
    temporalAddress: inject('temporalAddress'),
    namespace: NAMESPACE,
    taskQueue: `multi-${process.pid}-${Date.now().toString(36)}`,
  };
  workers = [new WorkerProcess(servers), new WorkerProcess(servers)];
  apis = [
    new ApiProcess(servers, { ENGINE_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY }),
    new ApiProcess(servers, { ENGINE_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY }),
  ];
}, 60_000);

afterAll(async () => {
  await Promise.all([...apis, ...workers].map((p) => p.stop()));
  if (client) {
    if (cycleId) await endApprovals(client, t.db, [cycleId]);
    await deleteSchedules();
  }
  await connection?.close();
  await t?.drop();
}, 60_000);

it('starts two workers and two apis at once on an unmigrated database: each migration applied once', async () => {
  // Held until all four wait on it, so they meet at the migration however unevenly their start-ups run.
  const gate = new pg.Client({ connectionString: t.url });
  await gate.connect();
  await gate.query('SELECT pg_advisory_lock($1)', [MIGRATE_ADVISORY_LOCK]);
  const starting = Promise.allSettled([...workers, ...apis].map((p) => p.start()));
  try {
    await until(
      'all four processes waiting to migrate',
      async () => {
        const { rows } = await gate.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
            WHERE d.datname = current_database() AND l.locktype = 'advisory' AND l.objid = $1 AND NOT l.granted`,
          [MIGRATE_ADVISORY_LOCK],
        );
        return rows[0]!.n === 4;
      },
      120_000,
    );
  } finally {
    await gate.end();
  }
  const started = await starting;
  expect(started.filter((s) => s.status === 'rejected')).toEqual([]);
  const applied = await t.db('public.knex_migrations').select('name');
  const known = fs.readdirSync(path.join(repoRoot, 'migrations')).filter((f) => f.endsWith('.ts'));
  expect(applied.map((r) => `${r.name}.ts`).sort()).toEqual(known.sort());
  expect(await t.db('public.knex_migrations_lock').select('is_locked')).toEqual([{ is_locked: 0 }]);
  // One process applied them all; the other three waited their turn and found nothing left to do.
  const migrators = [...workers, ...apis].filter((p) => /Migrated: /.test(p.output()));
  expect(migrators).toHaveLength(1);
}, 150_000);

it('creates each schedule once: one worker creates it, the other finds it and updates it', async () => {
  // A worker prints what it did with each schedule just after it starts polling.
  const reported = (w: WorkerProcess, id: string) =>
    w.output().match(new RegExp(`Schedule ${id}: (created|updated)`))?.[1];
  await until('both workers reporting the schedules', async () =>
    workers.every((w) => Object.values(SCHEDULE_IDS).every((id) => reported(w, id))),
  );
  for (const id of Object.values(SCHEDULE_IDS)) {
    const said = workers.map((w) => reported(w, id));
    expect(said.sort(), id).toEqual(['created', 'updated']);
  }
  const listed: string[] = [];
  for await (const s of client.schedule.list()) listed.push(s.scheduleId);
  expect(listed.sort()).toEqual(Object.values(SCHEDULE_IDS).sort());
  // Paused, so a cron moment during the test (the cycle's :00, the monitor's :30) starts nothing on this database.
  for (const id of listed) await client.schedule.getHandle(id).pause('multi-process test');
});

it('completes a live cycle started through one api once, with a worker SIGKILLed mid-phase', async () => {
  await prepareChaosDatabase(t.db, { users: 1500, seed: 41, now: new Date() });
  const res = await call(apis[0]!, 'POST', '/api/autonomous/run-cycle', ADMIN_KEY, { dryRun: false });
  expect(res.status).toBe(202);
  cycleId = ((await res.json()) as { cycleId: string }).cycleId;
  const handle = client.workflow.getHandle(cycleId);

  // The worker running the phase is the one whose identity (pid@host) the pending activity names.
  const runner = await until(`${KILLED_PHASE} running on a worker`, async () => {
    const phase = await t.db('engine.cycle_phases').where({ cycle_id: cycleId, name: KILLED_PHASE }).first('status');
    if (phase?.status !== 'running') return null;
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    const identity = pending.find((a) => a.activityType?.name === KILLED_PHASE)?.lastWorkerIdentity;
    return workers.find((w) => identity?.startsWith(`${w.pid}@`)) ?? null;
  });
  const survivor = workers.find((w) => w !== runner)!;
  const survivorPid = survivor.pid;
  runner.kill();
  const killedAt = Date.now();
  const phaseAtKill = await t.db('engine.cycle_phases').where({ cycle_id: cycleId, name: KILLED_PHASE }).first();
  expect(phaseAtKill.status).toBe('running');

  const result = await handle.result();
  expect(result.cycleId).toBe(cycleId);
  const cycles = await t.db('engine.cycles').where({ id: cycleId });
  expect(cycles.map((c) => c.status)).toEqual(['completed']);
  // Either api reads it: they share nothing but the database and Temporal.
  const seen = await call(apis[1]!, 'GET', `/api/autonomous/cycles/${cycleId}`, ADMIN_KEY);
  expect(seen.status).toBe(200);
  expect(await seen.json()).toMatchObject({ cycleId, status: 'completed' });
  const phases = await t.db('engine.cycle_phases').where({ cycle_id: cycleId }).select('name', 'status', 'started_at');
  expect(phases.map((p) => p.name).sort()).toEqual(
    ['analyze', 'heal', 'optimize', 'prevent', 'learn', 'decide', 'verify'].sort(),
  );
  expect(phases.every((p) => p.status === 'completed')).toBe(true);
  // The killed attempt was retried, on the survivor, after the kill.
  const killed = phases.find((p) => p.name === KILLED_PHASE)!;
  const retriedAfter = (new Date(killed.started_at).getTime() - killedAt) / 1000;
  console.log(`[multi] ${KILLED_PHASE} retried on the surviving worker ${retriedAfter.toFixed(1)} s after the kill`);
  expect(retriedAfter).toBeGreaterThan(-1);
  expect(retriedAfter).toBeLessThan(30);
  const starts = (await handle.fetchHistory()).events!.filter((e) => e.activityTaskStartedEventAttributes);
  const lastStart = starts.at(-1)!.activityTaskStartedEventAttributes!;
  expect(lastStart.identity?.startsWith(`${survivorPid}@`)).toBe(true);

  await until('the approval workflows the phases started', async () => {
    const inv = await checkInvariants(t.db, [cycleId]);
    return inv.approvalsWithoutWorkflow === 0 ? inv : null;
  }).then((inv) =>
    expect(inv).toEqual({
      cyclesNotCompleted: 0,
      duplicatePayments: 0,
      duplicateMessages: 0,
      duplicateDataFixes: 0,
      pendingEffects: 0,
      unauditedEffects: 0,
      unfinishedActions: 0,
      approvalsWithoutWorkflow: 0,
    }),
  );
  const effects = await t
    .db('engine.effects')
    .join('engine.actions', 'engine.actions.id', 'engine.effects.action_id')
    .where('engine.actions.cycle_id', cycleId)
    .count<{ n: string }[]>({ n: '*' });
  expect(Number(effects[0]!.n)).toBeGreaterThan(0);
}, 150_000);

it('decides an approval approved through both apis at once once: one 202, one 409 problem, one execution', async () => {
  const approval = await until<{ actionId: string }>('a pending approval of the cycle', () =>
    t
      .db('engine.approvals')
      .join('engine.actions', 'engine.actions.id', 'engine.approvals.action_id')
      .where({ 'engine.actions.cycle_id': cycleId, 'engine.approvals.status': 'pending' })
      .first('engine.approvals.action_id as actionId'),
  );
  const { actionId } = approval;
  const alice = (await createApiKey(t.db, 'alice-operator', 'operator')).key;
  const bob = (await createApiKey(t.db, 'bob-operator', 'operator')).key;
  const [a, b] = await Promise.all([
    call(apis[0]!, 'POST', `/api/autonomous/approvals/${actionId}/approve`, alice, { reason: 'alice checked it' }),
    call(apis[1]!, 'POST', `/api/autonomous/approvals/${actionId}/approve`, bob, { reason: 'bob checked it' }),
  ]);
  expect([a.status, b.status].sort()).toEqual([202, 409]);
  const [won, lost] = a.status === 202 ? [a, b] : [b, a];
  const winner = ((await won.json()) as { operator: string }).operator;
  expect(lost.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = (await lost.json()) as { type: string; status: number; detail: string };
  expect(problem).toMatchObject({ type: 'urn:floyo:problem:approval-already-decided', status: 409 });
  expect(problem.detail).toContain(winner);

  // The approval workflow ends once the approved action has run (executed, or failed an execution-time gate).
  const state = await client.workflow.getHandle(approvalWorkflowId(actionId)).result();
  expect(state).toMatchObject({ status: expect.stringMatching(/^(executed|failed)$/), decidedBy: winner });
  const row = await t.db('engine.approvals').where({ action_id: actionId }).first();
  expect(row.decided_by).toBe(winner);
  const requested = await t
    .db('engine.audit_log')
    .where({ target: `action:${actionId}` })
    .whereLike('event', 'approval.%_requested');
  expect(requested.map((r) => r.actor)).toEqual([winner]);
  const runs = await t
    .db('engine.audit_log')
    .where({ target: actionId })
    .whereIn('event', ['action.executed', 'action.failed', 'action.blocked']);
  expect(runs).toHaveLength(1);
  const effects = await t.db('engine.effects').where({ action_id: actionId }).count<{ n: string }[]>({ n: '*' });
  expect(Number(effects[0]!.n)).toBeLessThanOrEqual(1);
}, 60_000);
