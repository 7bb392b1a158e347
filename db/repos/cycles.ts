// Reads of engine.cycles and engine.cycle_phases for the cycle routes and system-state.
import type { Knex } from 'knex';
import { iso } from '../types';

export interface CycleRow {
  cycleId: string;
  runId: string | null;
  kind: string;
  trigger: string;
  requestedBy: string | null;
  dryRun: boolean;
  phases: string[];
  status: string;
  logicalNow: string;
  startedAt: string;
  finishedAt: string | null;
  healthScore: number | null;
  alignmentScore: number | null;
  summary: Record<string, unknown> | null;
  error: string | null;
}

export interface PhaseRow {
  name: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  counts: Record<string, unknown>;
}

function toCycle(r: Record<string, any>): CycleRow {
  return {
    cycleId: r.id,
    runId: r.run_id ?? null,
    kind: r.kind,
    trigger: r.trigger,
    requestedBy: r.requested_by ?? null,
    dryRun: Boolean(r.dry_run),
    phases: r.phases ?? [],
    status: r.status,
    logicalNow: iso(r.logical_now)!,
    startedAt: iso(r.started_at)!,
    finishedAt: iso(r.finished_at),
    healthScore: r.health_score ?? null,
    alignmentScore: r.alignment_score ?? null,
    summary: r.summary ?? null,
    error: r.error ?? null,
  };
}

/** Keyset position of a cycle in the newest-first order: opaque to clients. */
export function encodeCycleCursor(c: { startedAt: string; cycleId: string }): string {
  return Buffer.from(JSON.stringify([c.startedAt, c.cycleId]), 'utf8').toString('base64url');
}

export function decodeCycleCursor(cursor: string): { startedAt: string; cycleId: string } | null {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      typeof v[1] === 'string' &&
      !Number.isNaN(Date.parse(v[0]))
    ) {
      return { startedAt: v[0], cycleId: v[1] };
    }
  } catch {
    // fall through: not one of ours
  }
  return null;
}

export async function listCycles(
  db: Knex,
  q: {
    limit: number;
    offset: number;
    status?: string;
    kind?: string;
    trigger?: string;
    dryRun?: boolean;
    since?: string;
    until?: string;
    after?: { startedAt: string; cycleId: string };
  },
): Promise<{ items: CycleRow[]; total: number; nextCursor: string | null }> {
  const filtered = () => {
    const b = db('engine.cycles');
    if (q.status) b.where({ status: q.status });
    if (q.kind) b.where({ kind: q.kind });
    if (q.trigger) b.where({ trigger: q.trigger });
    if (q.dryRun !== undefined) b.where({ dry_run: q.dryRun });
    if (q.since) b.where('started_at', '>=', new Date(q.since));
    if (q.until) b.where('started_at', '<', new Date(q.until));
    return b;
  };
  const paged = filtered();
  if (q.after) paged.whereRaw('(started_at, id) < (?::timestamptz, ?)', [q.after.startedAt, q.after.cycleId]);
  const [rows, count] = await Promise.all([
    paged
      .orderBy([
        { column: 'started_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(q.limit + 1)
      .offset(q.after ? 0 : q.offset),
    filtered().count({ n: '*' }).first(),
  ]);
  const items = rows.slice(0, q.limit).map(toCycle);
  const last = items.at(-1);
  return {
    items,
    total: Number((count as { n: number } | undefined)?.n ?? 0),
    nextCursor: rows.length > q.limit && last ? encodeCycleCursor(last) : null,
  };
}

export async function getCycle(db: Knex, cycleId: string): Promise<CycleRow | null> {
  const row = await db('engine.cycles').where({ id: cycleId }).first();
  return row ? toCycle(row) : null;
}

/** The cycle's phases in its planned order; phases not started yet are `pending`. */
export async function cyclePhases(db: Knex, cycle: Pick<CycleRow, 'cycleId' | 'phases'>): Promise<PhaseRow[]> {
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

/** The cycle whose `phase` completed most recently, or null. */
export async function latestCycleWithCompletedPhase(db: Knex, phase: string): Promise<CycleRow | null> {
  const row = await db('engine.cycles as c')
    .join('engine.cycle_phases as p', 'p.cycle_id', 'c.id')
    .where({ 'p.name': phase, 'p.status': 'completed' })
    .orderBy([
      { column: 'p.finished_at', order: 'desc' },
      { column: 'c.started_at', order: 'desc' },
    ])
    .first('c.*');
  return row ? toCycle(row) : null;
}
