// engine.alerts: one alert per critical finding per monitor run (idempotent on (cycle, finding)).
import type { Queryable } from '../types';

export async function raiseAlerts(
  db: Queryable,
  cycleId: string,
  alerts: ReadonlyArray<{ findingId: number; severity: string; message: string }>,
): Promise<void> {
  if (!alerts.length) return;
  await db('engine.alerts')
    .insert(
      alerts.map((a) => ({ cycle_id: cycleId, finding_id: a.findingId, severity: a.severity, message: a.message })),
    )
    .onConflict(['cycle_id', 'finding_id'])
    .ignore();
}

/** The monitor's alert row per finding for one run, to link each delivery to the alert that raised it. */
export async function alertIdsOfCycle(db: Queryable, cycleId: string): Promise<Map<number, number>> {
  const rows = await db('engine.alerts').where({ cycle_id: cycleId }).select('id', 'finding_id');
  return new Map(rows.map((r: Record<string, any>) => [Number(r.finding_id), Number(r.id)]));
}
