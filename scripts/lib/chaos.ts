// Crash trials: live cycles on a real worker process that is SIGKILLed at random moments inside the effect
// phases (heal, optimize, prevent) and restarted, then the invariants that must hold after any crash:
// every cycle completed, no effect twice, none pending, every effect audited, every admitted action finished.
// Used by the chaos test (one bounded trial) and `npm run chaos -- --trials N` (longer, prints the figures).
import { Client, Connection } from '@temporalio/client';
import type { Knex } from 'knex';
import { setPolicy } from '../../db/repos/config';
import { autonomousCycle } from '../../workflows';
import { seedDemoData } from '../seed/generate';
import { WorkerProcess, type EngineServers } from './engine-processes';

export const EFFECT_PHASES = ['heal', 'optimize', 'prevent'] as const;

/** Seeds a migrated database for a trial, with room for many effects per phase so the kills land among them. */
export async function prepareChaosDatabase(db: Knex, opts: { users: number; seed: number; now: Date }): Promise<void> {
  await seedDemoData(db, opts);
  await setPolicy(
    db,
    'type_caps',
    { default: 500, onboarding_nudge: 150, retention_campaign: 150, upgrade_offer: 150, proactive_retention: 150 },
    'chaos',
  );
}

export interface ChaosTarget extends EngineServers {
  db: Knex;
  /** The cycles' logical now (the seed's). */
  now: Date;
  log: (msg: string) => void;
  /** Deterministic kill delays. */
  random: () => number;
}

export interface KillRecord {
  cycleId: string;
  phase: string;
  /** Whether the phase was still running when the worker died (else the kill landed after it). */
  inPhase: boolean;
  /** Seconds from the kill until the next attempt of the phase started (the retry after the heartbeat timeout). */
  recoverySeconds: number | null;
  /** Seconds from the kill until the phase completed. */
  completedSeconds: number | null;
}

export interface Invariants {
  cyclesNotCompleted: number;
  duplicatePayments: number;
  duplicateMessages: number;
  duplicateDataFixes: number;
  pendingEffects: number;
  unauditedEffects: number;
  unfinishedActions: number;
  approvalsWithoutWorkflow: number;
}

export interface TrialResult {
  cycleIds: string[];
  kills: KillRecord[];
  effects: number;
  invariants: Invariants;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function phaseStatus(db: Knex, cycleId: string, phase: string): Promise<string | null> {
  const row = (await db('engine.cycle_phases').where({ cycle_id: cycleId, name: phase }).first('status')) as
    { status: string } | undefined;
  return row?.status ?? null;
}

/**
 * One live cycle with the worker killed once inside each effect phase (at a random moment up to `maxDelayMs`
 * after the phase starts), restarted at once. Returns the kills with their recovery times.
 */
export async function runCrashedCycle(
  target: ChaosTarget,
  worker: WorkerProcess,
  client: Client,
  cycleId: string,
  maxDelayMs: number,
): Promise<KillRecord[]> {
  const handle = await client.workflow.start(autonomousCycle, {
    workflowId: cycleId,
    taskQueue: target.taskQueue,
    args: [{ dryRun: false, trigger: 'api', requestedBy: 'chaos', now: target.now.toISOString() }],
  });
  const kills: KillRecord[] = [];
  for (const phase of EFFECT_PHASES) {
    // A short phase may run and end between two looks (the restarted worker picks it up at once): then the kill
    // below lands just after it, which is a crash the trial counts too.
    for (;;) {
      const status = await phaseStatus(target.db, cycleId, phase);
      if (status === 'running' || status === 'completed' || status === 'failed') break;
      await sleep(25);
    }
    await sleep(Math.floor(target.random() * maxDelayMs));
    const inPhase = (await phaseStatus(target.db, cycleId, phase)) === 'running';
    worker.kill();
    const killedAt = Date.now();
    target.log(`killed the worker ${inPhase ? 'inside' : 'just after'} ${phase} of ${cycleId}`);
    await worker.start();
    let recoverySeconds: number | null = null;
    let completedSeconds: number | null = null;
    if (inPhase) {
      // startPhase stamps started_at again when the retried attempt begins.
      for (;;) {
        const row = (await target.db('engine.cycle_phases').where({ cycle_id: cycleId, name: phase }).first()) as
          { status: string; started_at: Date } | undefined;
        if (recoverySeconds == null && row && row.started_at.getTime() > killedAt - 500)
          recoverySeconds = (Date.now() - killedAt) / 1000;
        if (row?.status === 'completed') break;
        await sleep(100);
      }
      completedSeconds = (Date.now() - killedAt) / 1000;
      target.log(
        `  ${phase}: retried ${recoverySeconds?.toFixed(1) ?? '?'} s after the kill, completed after ${completedSeconds.toFixed(1)} s`,
      );
    }
    kills.push({ cycleId, phase, inPhase, recoverySeconds, completedSeconds });
  }
  await handle.result();
  return kills;
}

const one = async (db: Knex, sql: string, bindings: readonly Knex.RawBinding[]): Promise<number> =>
  Number(((await db.raw(sql, bindings)) as { rows: Array<{ n: number }> }).rows[0]?.n ?? 0);

/** The invariants over the given cycles: all zero after any number of crashes. */
export async function checkInvariants(db: Knex, cycleIds: readonly string[]): Promise<Invariants> {
  const ids = [...cycleIds];
  const effectsOf = `SELECT e.* FROM engine.effects e JOIN engine.actions a ON a.id = e.action_id WHERE a.cycle_id = ANY(?)`;
  const dupes = (port: string) =>
    one(
      db,
      `SELECT count(*)::int AS n FROM (SELECT a.cycle_id, e.target FROM (${effectsOf}) e
         JOIN engine.actions a ON a.id = e.action_id WHERE e.port = ? GROUP BY 1, 2 HAVING count(*) > 1) d`,
      [ids, port],
    );
  return {
    cyclesNotCompleted: await one(
      db,
      `SELECT count(*)::int AS n FROM unnest(?::text[]) c(id)
        WHERE NOT EXISTS (SELECT 1 FROM engine.cycles k WHERE k.id = c.id AND k.status = 'completed')`,
      [ids],
    ),
    duplicatePayments: await dupes('payments'),
    duplicateDataFixes: await dupes('data'),
    // A user receives a message once per cycle at most (the contact cap).
    duplicateMessages: await dupes('messenger'),
    pendingEffects: await one(db, `SELECT count(*)::int AS n FROM (${effectsOf}) e WHERE e.status = 'pending'`, [ids]),
    unauditedEffects: await one(
      db,
      `SELECT count(*)::int AS n FROM (${effectsOf}) e WHERE NOT EXISTS (
         SELECT 1 FROM engine.audit_log l WHERE l.target = e.action_id AND l.event IN ('action.executed', 'action.failed'))`,
      [ids],
    ),
    unfinishedActions: await one(
      db,
      `SELECT count(*)::int AS n FROM engine.actions WHERE cycle_id = ANY(?) AND status IN ('planned', 'approved')`,
      [ids],
    ),
    approvalsWithoutWorkflow: await one(
      db,
      `SELECT count(*)::int AS n FROM engine.actions a WHERE a.cycle_id = ANY(?) AND a.status = 'pending_approval'
         AND CASE WHEN a.campaign_id IS NULL
               THEN NOT EXISTS (SELECT 1 FROM engine.approvals p WHERE p.action_id = a.id)
               -- A campaign's recipients wait on the campaign's one approval, held by its rollout workflow.
               ELSE NOT EXISTS (SELECT 1 FROM engine.campaigns c WHERE c.id = a.campaign_id AND c.workflow_id IS NOT NULL)
             END`,
      [ids],
    ),
  };
}

/**
 * The invariants once the approval workflows the phases started have recorded their rows, which takes a moment:
 * call it with the worker still up. Gives up after 45 s and returns what it found.
 */
export async function settledInvariants(db: Knex, cycleIds: readonly string[]): Promise<Invariants> {
  let invariants = await checkInvariants(db, cycleIds);
  for (let i = 0; i < 90 && invariants.approvalsWithoutWorkflow > 0; i++) {
    await sleep(500);
    invariants = await checkInvariants(db, cycleIds);
  }
  return invariants;
}

export async function effectCount(db: Knex, cycleIds: readonly string[]): Promise<number> {
  return one(
    db,
    `SELECT count(*)::int AS n FROM engine.effects e JOIN engine.actions a ON a.id = e.action_id WHERE a.cycle_id = ANY(?)`,
    [[...cycleIds]],
  );
}

/** `cycles` crashed cycles in a row on one worker; the invariants over all of them. */
export async function runTrial(
  target: ChaosTarget,
  opts: { cycles: number; maxDelayMs: number; label: string },
): Promise<TrialResult> {
  const connection = await Connection.connect({ address: target.temporalAddress });
  const client = new Client({ connection, namespace: target.namespace });
  const worker = new WorkerProcess(target);
  const cycleIds: string[] = [];
  const kills: KillRecord[] = [];
  try {
    await worker.start();
    for (let i = 0; i < opts.cycles; i++) {
      const cycleId = `chaos-${opts.label}-${i + 1}`;
      cycleIds.push(cycleId);
      kills.push(...(await runCrashedCycle(target, worker, client, cycleId, opts.maxDelayMs)));
    }
    const invariants = await settledInvariants(target.db, cycleIds);
    await endApprovals(client, target.db, cycleIds);
    return { cycleIds, kills, effects: await effectCount(target.db, cycleIds), invariants };
  } finally {
    await worker.stop();
    await connection.close();
  }
}

/** The trial's approval workflows would wait days for an operator: end them with the trial. */
export async function endApprovals(client: Client, db: Knex, cycleIds: readonly string[]): Promise<void> {
  const ids: string[] = await db('engine.approvals')
    .join('engine.actions', 'engine.actions.id', 'engine.approvals.action_id')
    .whereIn('engine.actions.cycle_id', [...cycleIds])
    .where('engine.approvals.status', 'pending')
    .pluck('engine.approvals.workflow_id');
  ids.push(
    ...(await db('engine.campaigns')
      .whereIn('cycle_id', [...cycleIds])
      .where('status', 'pending_approval')
      .whereNotNull('workflow_id')
      .pluck('workflow_id')),
  );
  await Promise.all(
    ids.map((id) =>
      client.workflow
        .getHandle(id)
        .terminate('chaos trial finished')
        .catch(() => undefined),
    ),
  );
}
