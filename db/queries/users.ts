// Read-only lookups of single app.users, app.payments and app.subscriptions rows: what the gates and the
// executor check about an action's target right before acting.
import type { Queryable } from '../types';

/** Signup times of the given users (for their segment). */
export async function userCreatedAt(db: Queryable, userIds: readonly number[]): Promise<Map<number, Date>> {
  const out = new Map<number, Date>();
  if (!userIds.length) return out;
  const rows = await db('app.users')
    .select('id', 'created_at')
    .whereRaw('id = ANY(?::bigint[])', [[...new Set(userIds)]]);
  for (const r of rows) out.set(Number(r.id), new Date(r.created_at));
  return out;
}

/** A message recipient: whether it exists, is deleted, or opted out of marketing messages, and its address. */
export async function recipientOf(
  db: Queryable,
  userId: number,
): Promise<{ deletedAt: Date | null; marketingOptOut: boolean; email: string | null } | null> {
  const user = await db('app.users').where({ id: userId }).first('id', 'deleted_at', 'marketing_opt_out', 'email');
  return user
    ? {
        deletedAt: user.deleted_at ?? null,
        marketingOptOut: Boolean(user.marketing_opt_out),
        email: user.email ?? null,
      }
    : null;
}

export async function userEmailOf(db: Queryable, userId: number): Promise<{ id: number; email: string } | null> {
  const row = await db('app.users').where({ id: userId }).first('id', 'email');
  return row ? { id: Number(row.id), email: row.email } : null;
}

/** Each user's email address, by id (users not found are absent). */
export async function userEmailsOf(db: Queryable, userIds: readonly number[]): Promise<Map<number, string>> {
  if (!userIds.length) return new Map();
  const rows: Array<{ id: number | string; email: string }> = await db('app.users')
    .whereIn('id', [...userIds])
    .select('id', 'email');
  return new Map(rows.map((u) => [Number(u.id), u.email]));
}

/** The app.payments row as stored (snake_case columns), or null. */
export async function paymentRow(db: Queryable, paymentId: number): Promise<Record<string, any> | null> {
  return (await db('app.payments').where({ id: paymentId }).first()) ?? null;
}

export async function subscriptionStateOf(db: Queryable, subscriptionId: number): Promise<Record<string, any> | null> {
  return (
    (await db('app.subscriptions').where({ id: subscriptionId }).first('id', 'user_id', 'status', 'canceled_at')) ??
    null
  );
}

/** A user's MRR: the sum over their subscriptions that still bill (trialing, active, past due), in cents. */
export async function userMrrCents(db: Queryable, userId: number): Promise<number> {
  const row = await db('app.subscriptions')
    .where({ user_id: userId })
    .whereIn('status', ['trialing', 'active', 'past_due'])
    .first(db.raw('coalesce(sum(mrr_cents), 0)::bigint as mrr'));
  return Number(row?.mrr ?? 0);
}
