// engine.kpi_snapshots: the KPI values a cycle measured (one row per KPI per cycle).
import type { KpiName, KpiResult, KpiStatus } from '../../engine/types';
import type { Queryable } from '../types';

/** Idempotent per (cycle, KPI): a retried analyze activity rewrites the same rows. */
export async function saveKpiSnapshots(
  db: Queryable,
  cycleId: string,
  computedAt: Date,
  kpis: KpiResult[],
): Promise<void> {
  if (!kpis.length) return;
  await db('engine.kpi_snapshots')
    .insert(
      kpis.map((k) => ({
        cycle_id: cycleId,
        name: k.name,
        value: k.value,
        target: k.target,
        sample_size: k.sampleSize,
        interval_low: k.interval?.[0] ?? null,
        interval_high: k.interval?.[1] ?? null,
        status: k.status,
        details: JSON.stringify(k.details),
        computed_at: computedAt,
      })),
    )
    .onConflict(['cycle_id', 'name'])
    .merge();
}

export interface KpiSnapshot extends KpiResult {
  cycleId: string;
  computedAt: string;
}

export async function kpiSnapshotsOf(db: Queryable, cycleId: string): Promise<KpiSnapshot[]> {
  const rows = await db('engine.kpi_snapshots').where({ cycle_id: cycleId }).orderBy('id');
  return rows.map((r: Record<string, any>) => ({
    cycleId: r.cycle_id,
    name: r.name as KpiName,
    value: r.value,
    target: r.target,
    sampleSize: r.sample_size,
    interval: r.interval_low == null || r.interval_high == null ? null : [r.interval_low, r.interval_high],
    status: r.status as KpiStatus,
    details: r.details,
    computedAt: new Date(r.computed_at).toISOString(),
  }));
}

/** The KPIs of the newest cycle that measured any. */
export async function latestKpiSnapshots(db: Queryable): Promise<KpiSnapshot[]> {
  const latest = await db('engine.kpi_snapshots')
    .orderBy([
      { column: 'computed_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .first('cycle_id');
  return latest ? kpiSnapshotsOf(db, latest.cycle_id) : [];
}

/** Per cycle: its KPIs' name, value, target and status, by name (a trend's points). */
export async function kpiValuesOfCycles(
  db: Queryable,
  cycleIds: readonly string[],
): Promise<Map<string, Array<{ name: KpiName; value: number | null; target: number; status: KpiStatus }>>> {
  const byCycle = new Map<string, Array<{ name: KpiName; value: number | null; target: number; status: KpiStatus }>>();
  if (!cycleIds.length) return byCycle;
  const snaps = await db('engine.kpi_snapshots')
    .select('cycle_id', 'name', 'value', 'target', 'status')
    .whereIn('cycle_id', [...cycleIds])
    .orderBy('name');
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
  return byCycle;
}

/** Whether a cycle measured its KPIs (it ran analyze). */
export async function hasKpiSnapshots(db: Queryable, cycleId: string): Promise<boolean> {
  return Boolean(await db('engine.kpi_snapshots').where({ cycle_id: cycleId }).first('id'));
}
