// engine.cycle_phases: a phase's start and end per cycle, so the api and the Web UI show progress; a
// retried attempt overwrites its running row.
import { iso, type Queryable } from '../types';
import type { CycleRow } from './cycles';

export interface PhaseRow {
  name: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  counts: Record<string, unknown>;
}

export async function startPhase(db: Queryable, cycleId: string, name: string): Promise<void> {
  await db.raw(
    `insert into engine.cycle_phases (cycle_id, name, status, started_at, finished_at, counts)
     values (?, ?, 'running', now(), null, '{}')
     on conflict (cycle_id, name) do update set status = 'running', started_at = now(), finished_at = null`,
    [cycleId, name],
  );
}

export async function finishPhase(
  db: Queryable,
  cycleId: string,
  name: string,
  status: 'completed' | 'failed',
  counts: Record<string, unknown>,
): Promise<void> {
  await db('engine.cycle_phases')
    .where({ cycle_id: cycleId, name })
    .update({ status, finished_at: db.fn.now(), counts: JSON.stringify(counts) });
}

/** The cycle's phases in its planned order; phases not started yet are `pending`. */
export async function cyclePhases(db: Queryable, cycle: Pick<CycleRow, 'cycleId' | 'phases'>): Promise<PhaseRow[]> {
  const rows = await db('engine.cycle_phases').where({ cycle_id: cycle.cycleId }).orderBy('started_at');
  const byName = new Map<string, PhaseRow>(
    rows.map((r: Record<string, any>) => [
      r.name,
      {
        name: r.name,
        status: r.status,
        startedAt: iso(r.started_at),
        finishedAt: iso(r.finished_at),
        counts: r.counts ?? {},
      },
    ]),
  );
  const planned: PhaseRow[] = cycle.phases.map(
    (name) => byName.get(name) ?? { name, status: 'pending', startedAt: null, finishedAt: null, counts: {} },
  );
  // Phases recorded but not planned (should not happen) are still shown rather than hidden.
  const extra = [...byName.values()].filter((p) => !cycle.phases.includes(p.name));
  return [...planned, ...extra];
}

/** Marks the phase's plan as stored; call it in the transaction that writes the phase's actions. */
export async function markPhasePlanned(db: Queryable, cycleId: string, name: string): Promise<void> {
  await db.raw(
    `insert into engine.cycle_phases (cycle_id, name, status, started_at, counts, planned_at)
     values (?, ?, 'running', now(), '{}', now())
     on conflict (cycle_id, name) do update set planned_at = coalesce(engine.cycle_phases.planned_at, now())`,
    [cycleId, name],
  );
}

/** Whether an earlier attempt of this phase already stored its plan. */
export async function isPhasePlanned(db: Queryable, cycleId: string, name: string): Promise<boolean> {
  const row = await db('engine.cycle_phases').where({ cycle_id: cycleId, name }).whereNotNull('planned_at').first();
  return row != null;
}
