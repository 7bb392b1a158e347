// engine.effects: one row per external effect, claimed under its unique idempotency key before the port
// is called and completed with the response; plus the circuit breaker's failure counts and the api's reads.
import { iso, json, type Queryable } from '../types';

export type EffectStatus = 'pending' | 'succeeded' | 'failed';

export interface EffectRecord {
  id: number;
  idempotencyKey: string;
  actionId: string;
  actionType: string;
  port: string;
  target: string;
  status: EffectStatus;
  request: Record<string, unknown>;
  response: Record<string, unknown> | null;
  createdAt: string;
  completedAt: string | null;
}

function toEffectRecord(r: Record<string, any>): EffectRecord {
  return {
    id: Number(r.id),
    idempotencyKey: r.idempotency_key,
    actionId: r.action_id,
    actionType: r.action_type,
    port: r.port,
    target: r.target,
    status: r.status,
    request: r.request ?? {},
    response: r.response ?? null,
    createdAt: iso(r.created_at)!,
    completedAt: iso(r.completed_at),
  };
}

export async function getEffectByKey(db: Queryable, key: string): Promise<EffectRecord | null> {
  const row = await db('engine.effects').where({ idempotency_key: key }).first();
  return row ? toEffectRecord(row) : null;
}

/**
 * Claims an idempotency key with a pending effect row. Returns the row for the key: the new one
 * (created = true), or the one already there, possibly another action's.
 */
export async function claimEffect(
  db: Queryable,
  e: {
    key: string;
    actionId: string;
    actionType: string;
    port: string;
    target: string;
    request: Record<string, unknown>;
    at: Date;
  },
): Promise<{ effect: EffectRecord; created: boolean }> {
  const rows = await db('engine.effects')
    .insert({
      idempotency_key: e.key,
      action_id: e.actionId,
      action_type: e.actionType,
      port: e.port,
      target: e.target,
      status: 'pending',
      request: json(e.request) ?? '{}',
      created_at: e.at,
    })
    .onConflict('idempotency_key')
    .ignore()
    .returning('*');
  if (rows.length) return { effect: toEffectRecord(rows[0]), created: true };
  const existing = await getEffectByKey(db, e.key);
  if (!existing) throw new Error(`effect ${e.key} vanished after a conflicting insert`);
  return { effect: existing, created: false };
}

/** Completes a pending effect; a no-op when it is already complete (returns the stored row either way). */
export async function completeEffect(
  db: Queryable,
  key: string,
  status: 'succeeded' | 'failed',
  response: Record<string, unknown>,
  at: Date,
): Promise<EffectRecord> {
  await db('engine.effects')
    .where({ idempotency_key: key, status: 'pending' })
    .update({ status, response: json(response), completed_at: at });
  const row = await getEffectByKey(db, key);
  if (!row) throw new Error(`effect ${key} not found`);
  return row;
}

/**
 * Per type: effects that failed with an error at or after `since` (the circuit-breaker window). A declined
 * payment retry is a failed effect too, but a business outcome, not a malfunction: it is not counted.
 */
export async function failureCounts(
  db: Queryable,
  types: readonly string[],
  since: Date,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!types.length) return out;
  const { rows } = await db.raw(
    `SELECT action_type, count(*)::int AS n FROM engine.effects
      WHERE action_type = ANY(?::text[]) AND created_at >= ? AND status = 'failed'
        AND (response->>'outcome') IS DISTINCT FROM 'declined'
      GROUP BY action_type`,
    [[...new Set(types)], since],
  );
  for (const r of rows as Array<{ action_type: string; n: number }>) out.set(r.action_type, Number(r.n));
  return out;
}

/** The api's shape of an effect row. */
export function toEffectDto(r: Record<string, any>) {
  return {
    id: Number(r.id),
    actionId: r.action_id as string,
    actionType: r.action_type as string,
    port: r.port as string,
    target: r.target as string,
    status: r.status as EffectStatus,
    idempotencyKey: r.idempotency_key as string,
    request: (r.request ?? {}) as Record<string, unknown>,
    response: (r.response ?? null) as Record<string, unknown> | null,
    createdAt: iso(r.created_at)!,
    completedAt: iso(r.completed_at),
  };
}

/** The effects of one action, oldest first. */
export async function effectsOfAction(db: Queryable, actionId: string) {
  const rows = await db('engine.effects').where({ action_id: actionId }).orderBy('id');
  return rows.map(toEffectDto);
}

/** The effects of a cycle's actions, oldest first. */
export async function cycleEffects(db: Queryable, cycleId: string, limit = 500) {
  const rows = await db('engine.effects as e')
    .join('engine.actions as a', 'a.id', 'e.action_id')
    .select('e.*')
    .where('a.cycle_id', cycleId)
    .orderBy('e.id')
    .limit(limit);
  return rows.map(toEffectDto);
}
