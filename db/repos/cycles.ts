// engine.cycles: opening and closing a cycle's row, its scores and summary, and the reads of the cycle routes.
import type { z } from 'zod';
import type { TrendPointSchema } from '../../api/schemas/history';
import { iso, type Queryable } from '../types';
import { kpiValuesOfCycles } from './kpi-snapshots';

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
  db: Queryable,
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

export async function getCycle(db: Queryable, cycleId: string): Promise<CycleRow | null> {
  const row = await db('engine.cycles').where({ id: cycleId }).first();
  return row ? toCycle(row) : null;
}

/** The cycle whose `phase` completed most recently, or null. */
export async function latestCycleWithCompletedPhase(db: Queryable, phase: string): Promise<CycleRow | null> {
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

/** The cycle row as stored first in a transaction that changes it (FOR UPDATE), or null. */
export async function lockCycle(trx: Queryable, cycleId: string): Promise<CycleRow | null> {
  const row = await trx('engine.cycles').where({ id: cycleId }).forUpdate().first();
  return row ? toCycle(row) : null;
}

export interface NewCycle {
  cycleId: string;
  runId: string;
  kind: string;
  trigger: string;
  requestedBy: string;
  dryRun: boolean;
  phases: readonly string[];
  logicalNow: Date;
}

/** Inserts a running cycle unless its id exists (a retried activity); returns whether it inserted. */
export async function insertCycle(db: Queryable, c: NewCycle): Promise<boolean> {
  const inserted = await db('engine.cycles')
    .insert({
      id: c.cycleId,
      run_id: c.runId,
      kind: c.kind,
      trigger: c.trigger,
      requested_by: c.requestedBy,
      dry_run: c.dryRun,
      phases: c.phases,
      status: 'running',
      logical_now: c.logicalNow,
    })
    .onConflict('id')
    .ignore()
    .returning('id');
  return inserted.length > 0;
}

/** Ends a running cycle; one already ended keeps its first outcome. */
export async function finishCycle(
  db: Queryable,
  cycleId: string,
  outcome: { status: 'completed' | 'failed'; error?: string },
): Promise<void> {
  await db('engine.cycles')
    .where({ id: cycleId, status: 'running' })
    .update({ status: outcome.status, finished_at: db.fn.now(), error: outcome.error ?? null });
}

export async function setHealthScore(db: Queryable, cycleId: string, healthScore: number): Promise<void> {
  await db('engine.cycles').where({ id: cycleId }).update({ health_score: healthScore });
}

/** The verify phase's result: the alignment score and the cycle's summary. */
export async function setVerification(
  db: Queryable,
  cycleId: string,
  alignmentScore: number,
  summary: Record<string, unknown>,
): Promise<void> {
  await db('engine.cycles')
    .where({ id: cycleId })
    .update({ alignment_score: alignmentScore, summary: JSON.stringify(summary) });
}

/** The newest other cycle before `before` that measured KPIs: the one drift compares against. */
export async function previousMeasuredCycleId(db: Queryable, cycleId: string, before: Date): Promise<string | null> {
  const previous = await db('engine.cycles as c')
    .whereExists(db('engine.kpi_snapshots as k').whereRaw('k.cycle_id = c.id'))
    .whereNot('c.id', cycleId)
    .where('c.logical_now', '<', before)
    .orderBy('c.logical_now', 'desc')
    .first('c.id');
  return previous?.id ?? null;
}

type TrendPoint = z.infer<typeof TrendPointSchema>;

export async function scoreTrend(db: Queryable, q: { limit: number; kind?: string }): Promise<TrendPoint[]> {
  // Newest N cycles that measured something, then oldest first so a sparkline reads left to right.
  const cycles: Array<Record<string, any>> = await db('engine.cycles as c')
    .select(
      'c.id',
      'c.kind',
      'c.dry_run',
      'c.status',
      'c.started_at',
      'c.logical_now',
      'c.health_score',
      'c.alignment_score',
    )
    .where((w) => {
      w.whereNotNull('c.health_score').orWhereExists(
        db('engine.kpi_snapshots as k').select(db.raw('1')).whereRaw('k.cycle_id = c.id'),
      );
    })
    .modify((b) => {
      if (q.kind) void b.where('c.kind', q.kind);
    })
    .orderBy([
      { column: 'c.started_at', order: 'desc' },
      { column: 'c.id', order: 'desc' },
    ])
    .limit(q.limit);
  const ids = cycles.map((c) => c.id as string);
  const byCycle = await kpiValuesOfCycles(db, ids);
  return cycles.reverse().map((c) => ({
    cycleId: c.id,
    kind: c.kind,
    dryRun: Boolean(c.dry_run),
    status: c.status,
    startedAt: iso(c.started_at)!,
    computedAt: iso(c.logical_now ?? c.started_at)!,
    healthScore: c.health_score == null ? null : Number(c.health_score),
    alignmentScore: c.alignment_score == null ? null : Number(c.alignment_score),
    kpis: byCycle.get(c.id) ?? [],
  }));
}

/** Counts for /metrics: cycles by kind and status. */
export async function countCyclesByKindAndStatus(
  db: Queryable,
): Promise<Array<{ kind: string; status: string; n: number }>> {
  const rows = await db('engine.cycles').select('kind', 'status').count({ n: '*' }).groupBy('kind', 'status');
  return rows.map((r: Record<string, any>) => ({ kind: r.kind, status: r.status, n: Number(r.n) }));
}
