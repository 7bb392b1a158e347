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

/** Deliveries an outage left pending (any run's), oldest first: the next alert run sends them again. */
export async function listPendingAlertDeliveries(db: Queryable, limit = 200): Promise<AlertDeliveryRow[]> {
  const rows = await db('engine.alert_deliveries')
    .where({ status: 'pending' })
    .orderBy(['created_at', 'id'])
    .limit(limit);
  return rows.map(toRow);
}

/** Findings with a channel whose last trigger has no resolve yet (in dry or live runs): candidates for a resolve. */
export async function findingIdsWithOpenEpisodes(db: Queryable, dryRun: boolean): Promise<number[]> {
  const { rows } = (await db.raw(
    `select distinct finding_id from engine.alert_deliveries where dry_run = ?
      group by finding_id, channel
     having count(*) filter (where kind = 'trigger') > count(*) filter (where kind = 'resolve')`,
    [dryRun],
  )) as { rows: Array<{ finding_id: string }> };
  return rows.map((r) => Number(r.finding_id));
}

export interface AlertChannelHealth {
  channel: string;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  lastError: string | null;
  delivered: number;
  pending: number;
  failed: number;
}

/** Per channel: the last delivered send, the last failed attempt (an outage or a refusal) and its error. */
export async function alertChannelHealth(db: Queryable): Promise<AlertChannelHealth[]> {
  const { rows } = (await db.raw(
    `select channel,
            max(delivered_at) filter (where status = 'delivered') as last_success_at,
            max(updated_at) filter (where last_error is not null) as last_failure_at,
            (array_agg(last_error order by updated_at desc) filter (where last_error is not null))[1] as last_error,
            count(*) filter (where status = 'delivered') as delivered,
            count(*) filter (where status = 'pending') as pending,
            count(*) filter (where status = 'failed') as failed
       from engine.alert_deliveries where not dry_run group by channel order by channel`,
  )) as { rows: Array<Record<string, any>> };
  return rows.map((r) => ({
    channel: r.channel,
    lastSuccessAt: r.last_success_at ? new Date(r.last_success_at).toISOString() : null,
    lastFailureAt: r.last_failure_at ? new Date(r.last_failure_at).toISOString() : null,
    lastError: r.last_error ?? null,
    delivered: Number(r.delivered),
    pending: Number(r.pending),
    failed: Number(r.failed),
  }));
}
