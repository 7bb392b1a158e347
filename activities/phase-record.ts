// Records a phase's start and end in engine.cycle_phases and heartbeats while it runs, so the api and
// the Web UI show progress, and a retried attempt simply overwrites the running row.
import { Context } from '@temporalio/activity';
import type { Db } from '../db/knex';
import { finishPhase, startPhase } from '../db/repos/cycle-phases';
import type { CycleContext, PhaseSummary } from './context';

function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Called outside an activity (unit use): nothing to heartbeat.
  }
}

export async function withPhase(
  db: Db,
  ctx: CycleContext,
  name: string,
  run: (progress: (msg: string) => void) => Promise<PhaseSummary>,
): Promise<PhaseSummary> {
  await startPhase(db, ctx.cycleId, name);
  // Every 2 s, so a killed worker's attempt times out (PHASE heartbeatTimeout) and is retried within seconds.
  const timer = setInterval(() => heartbeat({ phase: name }), 2_000);
  try {
    const summary = await run((msg) => heartbeat({ phase: name, msg }));
    await finishPhase(db, ctx.cycleId, name, 'completed', summary.counts);
    return summary;
  } catch (err) {
    await finishPhase(db, ctx.cycleId, name, 'failed', { error: 1 }).catch(() => undefined);
    throw err;
  } finally {
    clearInterval(timer);
  }
}
