// Reads the recovered-revenue sums (db/sql/recovered-revenue.ts) for a window of months.
import type { RecoverySumsRow, RecoveryWindow } from '../../engine/learning/recovered-revenue';
import { windowRange } from '../../engine/learning/recovered-revenue';
import { RECOVERED_REVENUE_SQL } from '../sql/recovered-revenue';
import type { Queryable } from '../types';

export async function queryRecoverySums(db: Queryable, window: RecoveryWindow): Promise<RecoverySumsRow[]> {
  const { start, end } = windowRange(window);
  const { rows } = (await db.raw(RECOVERED_REVENUE_SQL, [start.toISOString(), end.toISOString()])) as {
    rows: Array<Record<string, any>>;
  };
  return rows.map((r) => ({
    dimension: r.dimension,
    key: r.key ?? null,
    heldOut: Boolean(r.held_out),
    sums: {
      charges: Number(r.charges),
      amountCents: Number(r.amount),
      retried: Number(r.retried),
      retriedAmountCents: Number(r.retried_amount),
      recovered: Number(r.recovered),
      recoveredAmountCents: Number(r.recovered_amount),
      sumSquaredAmount: Number(r.sum_sq_amount),
      sumSquaredRecoveredAmount: Number(r.sum_sq_recovered_amount),
    },
  }));
}
