// The default DataFixer: the deterministic data fixes as guarded single-row UPDATEs on schema app. Each
// guard (still active; still the planned address) makes the fix idempotent: run twice, it changes once,
// and a record someone else changed in the meantime is left alone.
import type { Knex } from 'knex';
import type { DataFixer, DataFixResult } from './ports';
import { iso } from '../../db/types';

function subscriptionSnapshot(r: Record<string, any>): Record<string, unknown> {
  return { id: Number(r.id), userId: Number(r.user_id), status: r.status, canceledAt: iso(r.canceled_at) };
}

export function createSqlDataFixer(db: Knex): DataFixer {
  return {
    async cancelSubscription({ subscriptionId, canceledAt }): Promise<DataFixResult> {
      return db.transaction(async (trx) => {
        const row = await trx('app.subscriptions')
          .where({ id: subscriptionId })
          .forUpdate()
          .first('id', 'user_id', 'status', 'canceled_at');
        if (!row)
          return {
            status: 'failed',
            changed: false,
            before: null,
            after: null,
            reason: `subscription ${subscriptionId} does not exist`,
          };
        const before = subscriptionSnapshot(row);
        if (row.status === 'active') {
          const [updated] = await trx('app.subscriptions')
            .where({ id: subscriptionId, status: 'active' })
            .update({ status: 'canceled', canceled_at: canceledAt })
            .returning(['id', 'user_id', 'status', 'canceled_at']);
          return { status: 'succeeded', changed: true, before, after: subscriptionSnapshot(updated) };
        }
        // Canceled at exactly our time: an earlier call with this key did it (a re-driven effect).
        if (
          row.status === 'canceled' &&
          row.canceled_at != null &&
          new Date(row.canceled_at).getTime() === canceledAt.getTime()
        ) {
          return { status: 'succeeded', changed: false, before, after: before };
        }
        return {
          status: 'failed',
          changed: false,
          before,
          after: before,
          reason: `subscription ${subscriptionId} is ${row.status}, not active: left unchanged`,
        };
      });
    },

    async normalizeEmail({ userId, fromEmail, toEmail }): Promise<DataFixResult> {
      return db.transaction(async (trx) => {
        const row = await trx('app.users').where({ id: userId }).forUpdate().first('id', 'email');
        if (!row)
          return {
            status: 'failed',
            changed: false,
            before: null,
            after: null,
            reason: `user ${userId} does not exist`,
          };
        const before = { id: Number(row.id), email: row.email };
        if (row.email === fromEmail) {
          const [updated] = await trx('app.users')
            .where({ id: userId, email: fromEmail })
            .update({ email: trx.raw('lower(btrim(email))') })
            .returning(['id', 'email']);
          return {
            status: 'succeeded',
            changed: true,
            before,
            after: { id: Number(updated.id), email: updated.email },
          };
        }
        if (row.email === toEmail) return { status: 'succeeded', changed: false, before, after: before };
        return {
          status: 'failed',
          changed: false,
          before,
          after: before,
          reason: `user ${userId}'s email changed since it was planned: left unchanged`,
        };
      });
    },
  };
}
