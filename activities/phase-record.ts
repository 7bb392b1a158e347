// Records a phase's start and end in engine.cycle_phases and heartbeats while it runs, so the api and
// the Web UI show progress, and a retried attempt simply overwrites the running row.
import { Context } from '@temporalio/activity';
import type { Db } from '../db/knex';
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
  await db.raw(
    `insert into engine.cycle_phases (cycle_id, name, status, started_at, finished_at, counts)
     values (?, ?, 'running', now(), null, '{}')
     on conflict (cycle_id, name) do update set status = 'running', started_at = now(), finished_at = null`,
    [ctx.cycleId, name],
  );
  const timer = setInterval(() => heartbeat({ phase: name }), 10_000);
  try {
    const summary = await run((msg) => heartbeat({ phase: name, msg }));
    await db('engine.cycle_phases')
      .where({ cycle_id: ctx.cycleId, name })
      .update({ status: 'completed', finished_at: db.fn.now(), counts: JSON.stringify(summary.counts) });
    return summary;
  } catch (err) {
    await db('engine.cycle_phases')
      .where({ cycle_id: ctx.cycleId, name })
      .update({ status: 'failed', finished_at: db.fn.now(), counts: JSON.stringify({ error: 1 }) })
      .catch(() => undefined);
    throw err;
  } finally {
    clearInterval(timer);
  }
}
