// engine.alert_deliveries: claiming a delivery by its dedupe key, recording each attempt's outcome, and a
// finding's delivery history for the routing decision. The only module that reads or writes the table.
import type { Knex } from 'knex';

type Queryable = Knex | Knex.Transaction;

export type AlertDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'skipped';

export interface AlertDeliveryRow {
  id: number;
  findingId: number;
  alertId: number | null;
  cycleId: string | null;
  channel: string;
  kind: 'trigger' | 'resolve' | 'remind';
  dedupeKey: string;
  status: AlertDeliveryStatus;
  dryRun: boolean;
  attempts: number;
  lastError: string | null;
  response: unknown;
  createdAt: string;
  deliveredAt: string | null;
}

function toRow(r: Record<string, any>): AlertDeliveryRow {
  return {
    id: Number(r.id),
    findingId: Number(r.finding_id),
    alertId: r.alert_id == null ? null : Number(r.alert_id),
    cycleId: r.cycle_id ?? null,
    channel: r.channel,
    kind: r.kind,
    dedupeKey: r.dedupe_key,
    status: r.status,
    dryRun: r.dry_run,
    attempts: r.attempts,
    lastError: r.last_error ?? null,
    response: r.response ?? null,
    createdAt: new Date(r.created_at).toISOString(),
    deliveredAt: r.delivered_at ? new Date(r.delivered_at).toISOString() : null,
  };
}

/** Inserts the delivery unless its dedupe key exists; returns the row either way, with one more attempt counted. */
export async function claimAlertDelivery(
  db: Queryable,
  d: {
    findingId: number;
    alertId?: number | null;
    cycleId: string | null;
    channel: string;
    kind: AlertDeliveryRow['kind'];
    dedupeKey: string;
    dryRun: boolean;
  },
): Promise<AlertDeliveryRow> {
  await db('engine.alert_deliveries')
    .insert({
      finding_id: d.findingId,
      alert_id: d.alertId ?? null,
      cycle_id: d.cycleId,
      channel: d.channel,
      kind: d.kind,
      dedupe_key: d.dedupeKey,
      dry_run: d.dryRun,
    })
    .onConflict('dedupe_key')
    .ignore();
  // A settled delivery is returned as it is; a pending or failed one counts the attempt about to be made.
  const [updated] = await db('engine.alert_deliveries')
    .where({ dedupe_key: d.dedupeKey })
    .whereIn('status', ['pending', 'failed'])
    .update({ attempts: db.raw('attempts + 1'), updated_at: db.fn.now() })
    .returning('*');
  return updated ? toRow(updated) : (await getAlertDelivery(db, d.dedupeKey))!;
}

export async function getAlertDelivery(db: Queryable, dedupeKey: string): Promise<AlertDeliveryRow | null> {
  const row = await db('engine.alert_deliveries').where({ dedupe_key: dedupeKey }).first();
  return row ? toRow(row) : null;
}

export async function settleAlertDelivery(
  db: Queryable,
  dedupeKey: string,
  outcome: { status: AlertDeliveryStatus; response?: unknown; error?: string | null },
): Promise<void> {
  await db('engine.alert_deliveries')
    .where({ dedupe_key: dedupeKey })
    .update({
      status: outcome.status,
      response: outcome.response === undefined ? null : JSON.stringify(outcome.response),
      last_error: outcome.error ?? null,
      updated_at: db.fn.now(),
      delivered_at: outcome.status === 'delivered' ? db.fn.now() : null,
    });
}

/** A finding's deliveries, oldest first: the history decideDeliveries needs. */
export async function listAlertDeliveries(db: Queryable, findingId: number): Promise<AlertDeliveryRow[]> {
  const rows = await db('engine.alert_deliveries').where({ finding_id: findingId }).orderBy(['created_at', 'id']);
  return rows.map(toRow);
}
