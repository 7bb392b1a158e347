// Opening and closing a cycle's engine.cycles row; decides the effective dry-run from live_mode.
import type { Db } from '../db/knex';
import { appendAudit } from '../db/repos/audit';
import { getPolicies } from '../db/repos/config';
import { finishCycle, getCycle, insertCycle, lockCycle } from '../db/repos/cycles';
import type { Phase } from '../engine/types';
import type { CycleKind, Trigger } from '../workflows/definitions';

export interface OpenCycleInput {
  cycleId: string;
  runId: string;
  kind: CycleKind;
  trigger: Trigger;
  requestedBy: string;
  /** null: follow the live_mode policy (schedules and the monitor). */
  dryRun: boolean | null;
  phases: Array<Phase | 'monitor'>;
  now: string | null;
}

export async function openCycle(
  db: Db,
  clock: () => Date,
  input: OpenCycleInput,
): Promise<{ dryRun: boolean; now: string }> {
  const existing = await getCycle(db, input.cycleId);
  if (existing) {
    // A retried activity (or a workflow reset): keep what was decided the first time.
    return { dryRun: existing.dryRun, now: existing.logicalNow };
  }
  const policies = await getPolicies(db);
  const dryRun = input.dryRun ?? !policies.live_mode.enabled;
  const now = input.now ? new Date(input.now) : clock();
  await db.transaction(async (trx) => {
    const inserted = await insertCycle(trx, {
      cycleId: input.cycleId,
      runId: input.runId,
      kind: input.kind,
      trigger: input.trigger,
      requestedBy: input.requestedBy,
      dryRun,
      phases: input.phases,
      logicalNow: now,
    });
    if (inserted) {
      await appendAudit(trx, {
        actor: input.requestedBy,
        cycleId: input.cycleId,
        event: 'cycle.started',
        target: input.cycleId,
        after: { kind: input.kind, trigger: input.trigger, dryRun, phases: input.phases, now: now.toISOString() },
        dryRun,
        dedupeKey: `cycle.started:${input.cycleId}`,
      });
    }
  });
  const row = (await getCycle(db, input.cycleId))!;
  return { dryRun: row.dryRun, now: row.logicalNow };
}

export async function closeCycle(
  db: Db,
  input: { cycleId: string; status: 'completed' | 'failed'; error?: string },
): Promise<void> {
  await db.transaction(async (trx) => {
    const row = await lockCycle(trx, input.cycleId);
    if (!row) return;
    await finishCycle(trx, input.cycleId, { status: input.status, error: input.error });
    await appendAudit(trx, {
      actor: 'engine',
      cycleId: input.cycleId,
      event: `cycle.${input.status}`,
      target: input.cycleId,
      after: {
        status: input.status,
        error: input.error ?? null,
        healthScore: row.healthScore,
        alignmentScore: row.alignmentScore,
      },
      dryRun: row.dryRun,
      dedupeKey: `cycle.closed:${input.cycleId}`,
    });
  });
}
