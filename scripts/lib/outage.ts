// Outage trials: a live cycle on a real worker process while a server it needs goes away mid-phase —
// PostgreSQL stopped for a while, or the Temporal dev server restarted — then the same invariants as the
// crash trials (scripts/lib/chaos.ts). The servers must be this process's own (a private stack), since
// stopping them would break anything else using them.
import { Client, Connection } from '@temporalio/client';
import { autonomousCycle } from '../../workflows';
import { type ChaosTarget, effectCount, endApprovals, type Invariants, settledInvariants } from './chaos';
import { WorkerProcess } from './engine-processes';

export const OUTAGE_KINDS = ['postgres', 'temporal'] as const;
export type OutageKind = (typeof OUTAGE_KINDS)[number];

export interface Outage {
  kind: OutageKind;
  /** The effect phase during which the server goes away. */
  phase: 'heal' | 'optimize' | 'prevent';
  /** How long the server stays away before it is started again. */
  downMs: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface OutageResult {
  cycleId: string;
  kind: OutageKind;
  phase: string;
  /** Whether the phase was still running when the server went away. */
  inPhase: boolean;
  downSeconds: number;
  /** From the server being back until the cycle completed. */
  completedAfterSeconds: number;
  cycleStatus: string;
  effects: number;
  invariants: Invariants;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CYCLE_DEADLINE_MS = 10 * 60_000;

async function phaseStatus(target: ChaosTarget, cycleId: string, phase: string): Promise<string | null> {
  const row = (await target.db('engine.cycle_phases').where({ cycle_id: cycleId, name: phase }).first('status')) as
    { status: string } | undefined;
  return row?.status ?? null;
}

/** The cycle's final status, asking Temporal on a new connection (the old one may have seen the server go). */
async function awaitCycle(target: ChaosTarget, cycleId: string): Promise<string> {
  const deadline = Date.now() + CYCLE_DEADLINE_MS;
  for (;;) {
    try {
      const connection = await Connection.connect({ address: target.temporalAddress });
      try {
        const client = new Client({ connection, namespace: target.namespace });
        await client.workflow.getHandle(cycleId).result();
        return 'completed';
      } finally {
        await connection.close();
      }
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'WorkflowFailedError') return `failed: ${(err as Error & { cause?: Error }).cause?.message ?? ''}`;
      if (Date.now() > deadline) throw new Error(`cycle ${cycleId} did not finish within 10 min`, { cause: err });
      await sleep(1000);
    }
  }
}

/** One live cycle with `outage` landing inside its phase; the invariants once the cycle has finished. */
export async function runOutageTrial(target: ChaosTarget, outage: Outage, label: string): Promise<OutageResult> {
  const worker = new WorkerProcess(target);
  const cycleId = `outage-${outage.kind}-${label}`;
  await worker.start();
  try {
    const connection = await Connection.connect({ address: target.temporalAddress });
    try {
      const client = new Client({ connection, namespace: target.namespace });
      await client.workflow.start(autonomousCycle, {
        workflowId: cycleId,
        taskQueue: target.taskQueue,
        args: [{ dryRun: false, trigger: 'api', requestedBy: 'outage', now: target.now.toISOString() }],
      });
    } finally {
      await connection.close();
    }
    while ((await phaseStatus(target, cycleId, outage.phase)) !== 'running') await sleep(25);
    await sleep(Math.floor(target.random() * 200));
    const inPhase = (await phaseStatus(target, cycleId, outage.phase)) === 'running';
    target.log(`${outage.kind}: stopping it ${inPhase ? 'inside' : 'just after'} ${outage.phase} of ${cycleId}`);
    const stoppedAt = Date.now();
    await outage.stop();
    await sleep(Math.max(0, outage.downMs - (Date.now() - stoppedAt)));
    await outage.start();
    const backAt = Date.now();
    const downSeconds = (backAt - stoppedAt) / 1000;
    target.log(`${outage.kind}: back after ${downSeconds.toFixed(1)} s; waiting for the cycle`);
    const cycleStatus = await awaitCycle(target, cycleId);
    const completedAfterSeconds = (Date.now() - backAt) / 1000;
    target.log(`${cycleId}: ${cycleStatus} ${completedAfterSeconds.toFixed(1)} s after the server was back`);
    const invariants = await settledInvariants(target.db, [cycleId]);
    const connection2 = await Connection.connect({ address: target.temporalAddress });
    await endApprovals(new Client({ connection: connection2, namespace: target.namespace }), target.db, [
      cycleId,
    ]).finally(() => connection2.close());
    return {
      cycleId,
      kind: outage.kind,
      phase: outage.phase,
      inPhase,
      downSeconds,
      completedAfterSeconds,
      cycleStatus,
      effects: await effectCount(target.db, [cycleId]),
      invariants,
    };
  } finally {
    await worker.stop();
  }
}
