// Reads for the history routes: scores and KPI values of recent cycles, and one cycle's findings and effects.
import type { Knex } from 'knex';
import { toFindingRecord } from './findings';
import type { KpiName } from '../../engine/types';
import { toFindingDto } from './finding-reads';
import type { z } from 'zod';
import type { CycleFindingSchema, EffectSchema, TrendPointSchema } from '../../api/schemas/history';
import { iso } from '../types';

type TrendPoint = z.infer<typeof TrendPointSchema>;

export async function scoreTrend(db: Knex, q: { limit: number; kind?: string }): Promise<TrendPoint[]> {
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
    .where((w) =>
      w
        .whereNotNull('c.health_score')
        .orWhereExists(db('engine.kpi_snapshots as k').select(db.raw('1')).whereRaw('k.cycle_id = c.id')),
    )
    .modify((b) => (q.kind ? b.where('c.kind', q.kind) : b))
    .orderBy([
      { column: 'c.started_at', order: 'desc' },
      { column: 'c.id', order: 'desc' },
    ])
    .limit(q.limit);
  const ids = cycles.map((c) => c.id as string);
  const snaps = ids.length
    ? await db('engine.kpi_snapshots')
        .select('cycle_id', 'name', 'value', 'target', 'status')
        .whereIn('cycle_id', ids)
        .orderBy('name')
    : [];
  const byCycle = new Map<string, TrendPoint['kpis']>();
  for (const s of snaps) {
    const list = byCycle.get(s.cycle_id) ?? [];
    list.push({
      name: s.name as KpiName,
      value: s.value == null ? null : Number(s.value),
      target: Number(s.target),
      status: s.status,
    });
    byCycle.set(s.cycle_id, list);
  }
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

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];

export async function cycleFindings(db: Knex, cycleId: string): Promise<Array<z.infer<typeof CycleFindingSchema>>> {
  const rows = await db('engine.cycle_findings as cf')
    .join('engine.findings as f', 'f.id', 'cf.finding_id')
    .select('f.*', 'cf.evidence as cycle_evidence')
    .where('cf.cycle_id', cycleId)
    .orderBy('f.id');
  return rows
    .map((r) => ({
      ...toFindingDto(toFindingRecord(r)),
      cycleEvidence: (r.cycle_evidence ?? {}) as Record<string, unknown>,
    }))
    .sort(
      (a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || b.confidence - a.confidence,
    );
}

export async function cycleEffects(
  db: Knex,
  cycleId: string,
  limit = 500,
): Promise<Array<z.infer<typeof EffectSchema>>> {
  const rows = await db('engine.effects as e')
    .join('engine.actions as a', 'a.id', 'e.action_id')
    .select('e.*')
    .where('a.cycle_id', cycleId)
    .orderBy('e.id')
    .limit(limit);
  return rows.map((r) => ({
    id: Number(r.id),
    actionId: r.action_id,
    actionType: r.action_type,
    port: r.port,
    target: r.target,
    status: r.status,
    idempotencyKey: r.idempotency_key,
    request: r.request ?? {},
    response: r.response ?? null,
    createdAt: iso(r.created_at)!,
    completedAt: iso(r.completed_at),
  }));
}
