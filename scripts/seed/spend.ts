// Acquisition spend of the demo data: one row per channel for each of the last 4 calendar months (UTC),
// the month holding `now` included (spend to date). Spend follows the channel's signups that month
// times a cost per signup (±10% noise), plus a small fixed monthly cost that scales with the platform,
// so CAC (last 3 full months) is measurable whatever the user count.
import { exec, type SeedContext } from './context';
import { CHANNELS } from './users';

/** Cost per signup and fixed monthly cost per platform user, in cents, per channel (CHANNELS order). */
const COST_PER_SIGNUP = [300, 4500, 2500, 1500, 3500];
const FIXED_PER_USER = [2, 0, 1, 0, 3];

export const SPEND_MONTHS = 4;

/** First days (UTC) of the SPEND_MONTHS months ending with the month holding `now`, oldest first. */
export function spendMonths(now: Date): Date[] {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  return Array.from({ length: SPEND_MONTHS + 1 }, (_, i) => new Date(Date.UTC(y, m - SPEND_MONTHS + 1 + i, 1)));
}

export async function insertAcquisitionSpend(ctx: SeedContext): Promise<number> {
  const { rnd, users: N } = ctx;
  const bounds = spendMonths(ctx.now);
  const months = bounds
    .slice(0, SPEND_MONTHS)
    .map(
      (start, i) =>
        `(${i}, DATE '${start.toISOString().slice(0, 10)}', '${start.toISOString()}'::timestamptz, '${bounds[i + 1]!.toISOString()}'::timestamptz)`,
    )
    .join(', ');
  const channels = CHANNELS.map((c, i) => `(${i}, '${c}', ${COST_PER_SIGNUP[i]}, ${FIXED_PER_USER[i]})`).join(', ');
  return exec(
    ctx,
    `WITH m(i, month, start_at, end_at) AS (VALUES ${months}),
     s AS (
       SELECT u.acquisition_channel AS channel, m.i, count(*) AS signups
         FROM app.users u JOIN m ON u.created_at >= m.start_at AND u.created_at < m.end_at
        GROUP BY 1, 2
     )
     INSERT INTO app.acquisition_spend (channel, month, spend_cents)
     SELECT c.channel, m.month,
            round(coalesce(s.signups, 0) * c.cost * (0.9 + 0.2 * ${rnd('c.idx * 100 + m.i', 95)}) + ${N} * c.fixed)::bigint
       FROM (VALUES ${channels}) AS c(idx, channel, cost, fixed)
      CROSS JOIN m
       LEFT JOIN s ON s.channel = c.channel AND s.i = m.i
      ORDER BY c.idx, m.i`,
  );
}
