// engine.outbox: the messages the engine accepted (unique idempotency key), the relay's claims and per-message
// delivery state, and the per-user counts the contact cap reads.
import type { DeliveryVerdict } from '../../engine/delivery/outbox-delivery';
import type { Queryable } from '../types';

/** Who delivers a row: the platform's own mailer ('outbox', nothing here sends it) or the relay over SMTP/webhook. */
export type OutboxChannel = 'outbox' | 'smtp' | 'webhook';

/** Queues one message unless its key is queued already; returns the outbox id either way. */
export async function enqueueMessage(
  db: Queryable,
  m: {
    idempotencyKey: string;
    userId: number;
    template: string;
    payload: Record<string, unknown>;
    createdAt?: Date;
    channel?: OutboxChannel;
  },
): Promise<number> {
  const inserted = await db('engine.outbox')
    .insert({
      idempotency_key: m.idempotencyKey,
      user_id: m.userId,
      template: m.template,
      payload: JSON.stringify(m.payload ?? {}),
      channel: m.channel ?? 'outbox',
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

export interface ClaimedMessage {
  id: number;
  idempotencyKey: string;
  userId: number;
  template: string;
  payload: Record<string, unknown>;
  attempts: number;
}

/**
 * Leases up to `limit` due queued rows of `channel` to `token` for `leaseSeconds` (next_attempt_at moves past the
 * lease, so a claimer that dies gives them back when it expires); SKIP LOCKED keeps concurrent claims disjoint.
 */
export async function claimDueMessages(
  db: Queryable,
  c: { channel: Exclude<OutboxChannel, 'outbox'>; token: string; limit: number; leaseSeconds: number },
): Promise<ClaimedMessage[]> {
  const { rows } = await db.raw(
    `UPDATE engine.outbox o SET claim_token = ?, next_attempt_at = now() + make_interval(secs => ?)
      WHERE o.id IN (SELECT id FROM engine.outbox
                      WHERE channel = ? AND status = 'queued' AND next_attempt_at <= now()
                      ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
      RETURNING o.id, o.idempotency_key, o.user_id, o.template, o.payload, o.attempts`,
    [c.token, c.leaseSeconds, c.channel, c.limit],
  );
  return (rows as Array<Record<string, any>>)
    .map((r) => ({
      id: Number(r.id),
      idempotencyKey: r.idempotency_key as string,
      userId: Number(r.user_id),
      template: r.template as string,
      payload: (r.payload ?? {}) as Record<string, unknown>,
      attempts: Number(r.attempts),
    }))
    .sort((a, b) => a.id - b.id);
}

/**
 * Counts an attempt of a claimed row just before it is sent and renews its lease; null when the claim was lost
 * (the lease expired and another relay took the row), so the caller must not send it. Returns the attempt number.
 */
export async function startAttempt(
  db: Queryable,
  a: { id: number; token: string; leaseSeconds: number },
): Promise<number | null> {
  const { rows } = await db.raw(
    `UPDATE engine.outbox SET attempts = attempts + 1, last_attempt_at = now(),
            next_attempt_at = now() + make_interval(secs => ?)
      WHERE id = ? AND claim_token = ? AND status = 'queued' RETURNING attempts`,
    [a.leaseSeconds, a.id, a.token],
  );
  const row = (rows as Array<{ attempts: number }>)[0];
  return row ? Number(row.attempts) : null;
}

/** Records an attempt's verdict on a row still claimed by `token` and ends the claim; false when it was lost. */
export async function recordAttempt(
  db: Queryable,
  r: { id: number; token: string; verdict: DeliveryVerdict },
): Promise<boolean> {
  const v = r.verdict;
  const set =
    v.status === 'delivered'
      ? { status: 'delivered', provider_message_id: v.providerMessageId, last_error: null, completed_at: db.fn.now() }
      : v.status === 'queued'
        ? { last_error: v.error, next_attempt_at: db.raw(`now() + make_interval(secs => ?)`, [v.retryInSeconds]) }
        : { status: v.status, last_error: v.error, completed_at: db.fn.now() };
  const n = await db('engine.outbox')
    .where({ id: r.id, claim_token: r.token, status: 'queued' })
    .update({ ...set, claim_token: null });
  return Number(n) > 0;
}

/** Gives back the rows still claimed by `token` (not sent in this batch), due again in `retryInSeconds`. */
export async function releaseClaim(db: Queryable, token: string, retryInSeconds: number): Promise<number> {
  const n = await db('engine.outbox')
    .where({ claim_token: token, status: 'queued' })
    .update({ claim_token: null, next_attempt_at: db.raw(`now() + make_interval(secs => ?)`, [retryInSeconds]) });
  return Number(n);
}

/** Seconds until the earliest queued row of `channel` is due (0 when one is due now), null when none is queued. */
export async function secondsUntilNextDue(
  db: Queryable,
  channel: Exclude<OutboxChannel, 'outbox'>,
): Promise<number | null> {
  const { rows } = await db.raw(
    `SELECT extract(epoch FROM min(next_attempt_at) - now())::float8 AS s
       FROM engine.outbox WHERE channel = ? AND status = 'queued'`,
    [channel],
  );
  const s = (rows as Array<{ s: number | null }>)[0]?.s;
  return s == null ? null : Math.max(0, Number(s));
}

/** Outbox rows by channel and delivery status: what /metrics reports. */
export async function deliveryCounts(
  db: Queryable,
): Promise<Array<{ channel: OutboxChannel; status: string; n: number }>> {
  const { rows } = await db.raw(
    `SELECT channel, status, count(*)::int AS n FROM engine.outbox GROUP BY channel, status ORDER BY channel, status`,
  );
  return (rows as Array<{ channel: OutboxChannel; status: string; n: number }>).map((r) => ({ ...r, n: Number(r.n) }));
}
