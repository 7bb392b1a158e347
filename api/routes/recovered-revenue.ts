// GET /api/autonomous/recovered-revenue: what the engine's payment retries recovered, with the
// denominator and the incremental recovery over the holdout (docs/learning.md#recovered-revenue).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { queryRecoverySums } from '../../db/queries/recovered-revenue';
import {
  RECOVERY_DENOMINATOR,
  recoveryReport,
  recoveryWindow,
  type RecoveryFigures,
} from '../../engine/learning/recovered-revenue';
import { requireRole } from '../plugins/auth';
import { problems } from '../schemas/common';
import { toIntervalDto } from '../schemas/interval';
import { RecoveredRevenueQuery, RecoveredRevenueSchema } from '../schemas/recovered-revenue';

function toFiguresDto<T extends RecoveryFigures>(f: T) {
  return {
    ...f,
    incremental: {
      ...f.incremental,
      rateInterval: toIntervalDto(f.incremental.rateInterval),
      amountInterval: toIntervalDto(f.incremental.amountInterval),
    },
  };
}

export const recoveredRevenueRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/recovered-revenue',
    {
      onRequest: requireRole('viewer'),
      schema: {
        tags: ['state'],
        summary: 'Revenue recovered by payment retries, and how much of it the retries caused',
        description:
          'Failed charges eligible, retried and recovered (count and amount), the recovery rate, and the incremental recovery over the retry holdout with 95% intervals; for the window, per month and per decline code. `months` or `from`/`to` (YYYY-MM, UTC) choose the window, default the last 12 months. Role: viewer.',
        querystring: RecoveredRevenueQuery,
        response: { 200: RecoveredRevenueSchema, ...problems(403) },
      },
    },
    async (request) => {
      const window = recoveryWindow(request.query, new Date());
      const report = recoveryReport(window, await queryRecoverySums(app.knex, window));
      return {
        window,
        denominator: RECOVERY_DENOMINATOR,
        total: toFiguresDto(report.total),
        byMonth: report.byMonth.map(toFiguresDto),
        byDeclineCode: report.byDeclineCode.map(toFiguresDto),
      };
    },
  );
};
