// Opening and closing a cycle's engine.cycles row; decides the effective dry-run from live_mode.
import type { Db } from '../db/knex';
import { appendAudit } from '../db/repos/audit';
import { getPolicies } from '../db/repos/config';
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
  const existing = await db('engine.cycles').where({ id: input.cycleId }).first();
  if (existing) {
    // A retried activity (or a workflow reset): keep what was decided the first time.
    return { dryRun: existing.dry_run, now: new Date(existing.logical_now).toISOString() };
  }
  const policies = await getPolicies(db);
  const dryRun = input.dryRun ?? !policies.live_mode.enabled;
  const now = input.now ? new Date(input.now) : clock();
  await db.transaction(async (trx) => {
    const inserted = await trx('engine.cycles')
      .insert({
        id: input.cycleId,
        run_id: input.runId,
        kind: input.kind,
        trigger: input.trigger,
        requested_by: input.requestedBy,
        dry_run: dryRun,
        phases: input.phases,
        status: 'running',
        logical_now: now,
      })
      .onConflict('id')
      .ignore()
      .returning('id');
    if (inserted.length) {
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
  const row = await db('engine.cycles').where({ id: input.cycleId }).first();
  return { dryRun: row.dry_run, now: new Date(row.logical_now).toISOString() };
}

export async function closeCycle(
  db: Db,
  input: { cycleId: string; status: 'completed' | 'failed'; error?: string },
): Promise<void> {
  await db.transaction(async (trx) => {
    const row = await trx('engine.cycles').where({ id: input.cycleId }).forUpdate().first();
    if (!row) return;
    if (row.status === 'running') {
      await trx('engine.cycles')
        .where({ id: input.cycleId })
        .update({ status: input.status, finished_at: trx.fn.now(), error: input.error ?? null });
    }
    await appendAudit(trx, {
      actor: 'engine',
      cycleId: input.cycleId,
      event: `cycle.${input.status}`,
      target: input.cycleId,
      after: {
        status: input.status,
        error: input.error ?? null,
        healthScore: row.health_score,
        alignmentScore: row.alignment_score,
      },
      dryRun: row.dry_run,
      dedupeKey: `cycle.closed:${input.cycleId}`,
    });
  });
}
