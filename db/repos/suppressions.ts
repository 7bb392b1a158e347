// engine.suppressions: the addresses the engine never messages (docs/safety.md contact rules). Recording is
// idempotent (the first record of an address wins, later ones change nothing); the gates read it per user.
import { inTransaction, iso, type Queryable } from '../types';
import { appendAudit } from './audit';

/** The migration's CHECK allows exactly these. */
export type SuppressionReason = 'unsubscribe' | 'complaint' | 'bounce' | 'manual';

export interface Suppression {
  address: string;
  userId: number | null;
  reason: SuppressionReason;
  source: string;
  createdAt: string;
}

/** How every address is compared: the same normalization as the unsubscribe token's and the email fix's. */
function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

function toSuppression(r: Record<string, any>): Suppression {
  return {
    address: r.address,
    userId: r.user_id == null ? null : Number(r.user_id),
    reason: r.reason,
    source: r.source,
    createdAt: iso(r.created_at)!,
  };
}

/**
 * Suppresses an address (its user found by address when not given) and audits it once, in one transaction.
 * Returns the stored row and whether this call created it; a repeat returns the first record unchanged.
 */
export async function suppressAddress(
  db: Queryable,
  s: { address: string; userId?: number | null; reason: SuppressionReason; source: string; actor: string },
): Promise<{ suppression: Suppression; created: boolean }> {
  const address = normalizeAddress(s.address);
  if (!address) throw new RangeError('cannot suppress an empty address');
  return inTransaction(db, async (trx) => {
    const userId =
      s.userId ??
      (await trx('app.users').whereRaw('lower(btrim(email)) = ?', [address]).orderBy('id').first('id'))?.id ??
      null;
    const inserted = await trx('engine.suppressions')
      .insert({ address, user_id: userId, reason: s.reason, source: s.source })
      .onConflict('address')
      .ignore()
      .returning('*');
    const row = inserted[0] ?? (await trx('engine.suppressions').where({ address }).first());
    const suppression = toSuppression(row);
    if (inserted.length) {
      await appendAudit(trx, {
        actor: s.actor,
        event: 'suppression.added',
        target: `address:${address}`,
        before: null,
        after: suppression,
        dryRun: false,
        dedupeKey: `suppression.added:${address}`,
      });
    }
    return { suppression, created: inserted.length > 0 };
  });
}

export async function getSuppression(db: Queryable, address: string): Promise<Suppression | null> {
  const row = await db('engine.suppressions')
    .where({ address: normalizeAddress(address) })
    .first();
  return row ? toSuppression(row) : null;
}

/** The suppression that covers a user: one of their current address, else one recorded with their id. */
export async function suppressionOfUser(
  db: Queryable,
  userId: number,
  email: string | null,
): Promise<Suppression | null> {
  const address = email == null ? '' : normalizeAddress(email);
  const row = await db('engine.suppressions')
    .where((q) => {
      q.where({ user_id: userId });
      if (address) q.orWhere({ address });
    })
    .orderByRaw('address = ? desc, created_at', [address])
    .first();
  return row ? toSuppression(row) : null;
}
