// engine.outbox: the messages the engine queued for the platform's mailer (unique idempotency key), and
// the per-user counts the contact cap reads.
import type { Queryable } from '../types';

/** Queues one message unless its key is queued already; returns the outbox id either way. */
export async function enqueueMessage(
  db: Queryable,
  m: { idempotencyKey: string; userId: number; template: string; payload: Record<string, unknown>; createdAt?: Date },
): Promise<number> {
  const inserted = await db('engine.outbox')
    .insert({
      idempotency_key: m.idempotencyKey,
      user_id: m.userId,
      template: m.template,
      payload: JSON.stringify(m.payload ?? {}),
      ...(m.createdAt ? { created_at: m.createdAt } : {}),
    })
    .onConflict('idempotency_key')
    .ignore()
    .returning('id');
  if (inserted.length) return Number((inserted[0] as { id: number }).id);
  const existing = await db('engine.outbox').where({ idempotency_key: m.idempotencyKey }).first('id');
  if (!existing) throw new Error(`outbox message ${m.idempotencyKey} vanished after a conflicting insert`);
  return Number(existing.id);
}

/**
 * Per user: outbox messages created at or after `since` (the contact window; no upper bound, so a logical
 * now in the past only widens it), leaving out the message with `excludeKey` (the one being re-driven).
 */
export async function contactCounts(
  db: Queryable,
  userIds: readonly number[],
  since: Date,
  excludeKey: string | null = null,
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (!userIds.length) return out;
  const { rows } = await db.raw(
    `SELECT user_id, count(*)::int AS n FROM engine.outbox
      WHERE user_id = ANY(?::bigint[]) AND created_at >= ? AND idempotency_key IS DISTINCT FROM ?
      GROUP BY user_id`,
    [[...new Set(userIds)], since, excludeKey],
  );
  for (const r of rows as Array<{ user_id: number; n: number }>) out.set(Number(r.user_id), Number(r.n));
  return out;
}
