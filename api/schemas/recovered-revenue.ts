// The recovered-revenue report's query and response (engine/learning/recovered-revenue.ts, docs/learning.md).
import { z } from 'zod';
import { MAX_WINDOW_MONTHS, recoveryWindow } from '../../engine/learning/recovered-revenue';
import { IntervalSchema } from './interval';

const Month = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month YYYY-MM')
  .describe('A calendar month in UTC, YYYY-MM');

export const RecoveredRevenueQuery = z
  .object({
    months: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_WINDOW_MONTHS)
      .optional()
      .describe(`The last N calendar months including the current one, 1..${MAX_WINDOW_MONTHS} (default 12)`),
    from: Month.optional().describe('First month, included (default: 11 months before `to`)'),
    to: Month.optional().describe('Last month, included (default: the current month)'),
  })
  .strict()
  .superRefine((q, ctx) => {
    // The window's own rules (months with from/to, from after to, too long) as field errors.
    if (q.months !== undefined && (q.from !== undefined || q.to !== undefined))
      ctx.addIssue({ code: 'custom', path: ['months'], message: 'months cannot be combined with from/to' });
    else
      try {
        recoveryWindow(q, new Date());
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['from'], message: (err as Error).message });
      }
  });

const CountAmount = z.object({
  count: z.number().int().describe('Failed charges'),
  amountCents: z.number().describe('Their amount, in cents'),
});

export const RecoveryFiguresSchema = z
  .object({
    eligible: CountAmount.describe('The denominator: failed charges a live cycle admitted a retry for (both arms)'),
    treated: CountAmount.describe('Eligible charges outside the holdout'),
    heldOut: CountAmount.describe('Eligible charges drawn into the retry holdout (never retried by the engine)'),
    retried: CountAmount.describe('Treated charges the engine retried at least once'),
    recovered: CountAmount.describe('Treated charges now paid'),
    recoveryRate: z.number().nullable().describe('recovered / treated, by count'),
    amountRecoveryRate: z.number().nullable().describe('recovered amount / treated amount'),
    holdoutRecovered: CountAmount.describe('Held-out charges now paid without an engine retry'),
    holdoutRecoveryRate: z.number().nullable().describe('holdoutRecovered / heldOut, by count'),
    incremental: z.object({
      rate: z.number().nullable().describe('recoveryRate − holdoutRecoveryRate'),
      rateInterval: IntervalSchema.nullable().describe('95% Newcombe interval; null below 20 charges in an arm'),
      amountCents: z
        .number()
        .nullable()
        .describe('Recovered amount beyond what the holdout rate predicts for the treated charges'),
      amountInterval: IntervalSchema.nullable().describe('95% delta-method interval; null below 20 charges in an arm'),
    }),
  })
  .meta({ id: 'RecoveryFigures' });

export const RecoveredRevenueSchema = z
  .object({
    window: z.object({ from: z.string(), to: z.string() }).describe('The months covered, both included (UTC)'),
    denominator: z.string().describe('The denominator in words'),
    total: RecoveryFiguresSchema,
    byMonth: z
      .array(RecoveryFiguresSchema.extend({ month: z.string() }))
      .describe(
        'Every month of the window, oldest first, zeros included; a charge counts in the month of its first admitted retry',
      ),
    byDeclineCode: z
      .array(RecoveryFiguresSchema.extend({ declineCode: z.string() }))
      .describe('Decline code of the first admitted retry, largest eligible amount first'),
  })
  .meta({ id: 'RecoveredRevenue' });
