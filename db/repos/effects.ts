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

/** A payment retry the engine sent to a card network (engine/safety/card-retry-history.ts counts them). */
export interface EngineCardRetry {
  actionId: string;
  paymentId: number;
  subscriptionId: number | null;
  paymentMethodRef: string | null;
  at: string;
}

// A retry counts once it was sent: in flight (pending) or answered; a refusal (outcome error) never left us.
const SENT_RETRY = `e.action_type = 'retry_payment'
        AND (e.status = 'pending' OR (e.response->>'outcome') IN ('succeeded', 'declined'))`;

/**
 * The engine's payment retries since `since` on these payment methods or subscriptions (the card as the
 * action planned it), the action `excludeActionId` left out (the one being decided).
 */
export async function engineCardRetries(
  db: Queryable,
  cards: { paymentMethodRefs: readonly string[]; subscriptionIds: readonly number[] },
  since: Date,
  excludeActionId: string | null = null,
): Promise<EngineCardRetry[]> {
  if (!cards.paymentMethodRefs.length && !cards.subscriptionIds.length) return [];
  const { rows } = await db.raw(
    `SELECT e.action_id, e.created_at, (e.request->>'paymentId')::bigint AS payment_id,
            a.params->>'paymentMethodRef' AS payment_method_ref, (a.params->>'subscriptionId')::bigint AS subscription_id
       FROM engine.effects e
       JOIN engine.actions a ON a.id = e.action_id
      WHERE ${SENT_RETRY} AND e.created_at >= ? AND e.action_id IS DISTINCT FROM ?
        AND (a.params->>'paymentMethodRef' = ANY(?::text[]) OR (a.params->>'subscriptionId')::bigint = ANY(?::bigint[]))`,
    [since, excludeActionId, [...new Set(cards.paymentMethodRefs)], [...new Set(cards.subscriptionIds)]],
  );
  return (rows as Array<Record<string, any>>).map((r) => ({
    actionId: r.action_id,
    paymentId: Number(r.payment_id),
    subscriptionId: r.subscription_id == null ? null : Number(r.subscription_id),
    paymentMethodRef: r.payment_method_ref ?? null,
    at: iso(r.created_at)!,
  }));
}

/** Per payment: how many retries the engine ever sent (to tell the platform's own retries from the engine's). */
export async function engineRetryCountsByPayment(
  db: Queryable,
  paymentIds: readonly number[],
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (!paymentIds.length) return out;
  const { rows } = await db.raw(
    `SELECT (e.request->>'paymentId')::bigint AS payment_id, count(*)::int AS n
       FROM engine.effects e
      WHERE ${SENT_RETRY} AND (e.request->>'paymentId')::bigint = ANY(?::bigint[])
      GROUP BY 1`,
    [[...new Set(paymentIds)]],
  );
  for (const r of rows as Array<{ payment_id: string; n: number }>) out.set(Number(r.payment_id), Number(r.n));
  return out;
}

/** The network's answer to the engine's latest declined retry of a payment. */
export interface RetryAdvice {
  completedAt: string;
  adviceCode: string | null;
  networkDeclineCode: string | null;
  failureCode: string | null;
}

/** Per payment: the advice returned by the engine's latest answered retry that was declined. */
export async function latestRetryAdvice(
  db: Queryable,
  paymentIds: readonly number[],
): Promise<Map<number, RetryAdvice>> {
  const out = new Map<number, RetryAdvice>();
  if (!paymentIds.length) return out;
  const { rows } = await db.raw(
    `SELECT DISTINCT ON ((e.request->>'paymentId')::bigint)
            (e.request->>'paymentId')::bigint AS payment_id, e.completed_at,
            e.response->>'adviceCode' AS advice_code, e.response->>'networkDeclineCode' AS network_decline_code,
            e.response->>'failureCode' AS failure_code
       FROM engine.effects e
      WHERE e.action_type = 'retry_payment' AND e.completed_at IS NOT NULL
        AND (e.response->>'outcome') = 'declined'
        AND (e.request->>'paymentId')::bigint = ANY(?::bigint[])
      ORDER BY (e.request->>'paymentId')::bigint, e.completed_at DESC, e.id DESC`,
    [[...new Set(paymentIds)]],
  );
  for (const r of rows as Array<Record<string, any>>)
    out.set(Number(r.payment_id), {
      completedAt: iso(r.completed_at)!,
      adviceCode: r.advice_code ?? null,
      networkDeclineCode: r.network_decline_code ?? null,
      failureCode: r.failure_code ?? null,
    });
  return out;
}
