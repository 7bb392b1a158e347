// Read-only history routes for the operator dashboard: the score and KPI trend over recent cycles
// (Overview gauges and sparklines) and a cycle's findings and effects (History view). The cycle's
// actions and audit trail are served by the cycle routes.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { requireRole } from '../plugins/auth';
import { notFound } from '../problem';
import { getCycle } from '../../db/repos/cycles';
import { cycleEffects } from '../../db/repos/effects';
import { cycleFindings } from '../../db/repos/findings';
import { scoreTrend } from '../../db/repos/cycles';
import { CycleIdParams, problems } from '../schemas/common';
import { CycleHistorySchema, TrendQuery, TrendSchema } from '../schemas/history';

export const historyRoutes: FastifyPluginAsyncZod = async (app) => {
  const viewer = { onRequest: requireRole('viewer') };

  app.get(
    '/history/trend',
    {
      ...viewer,
      schema: {
        tags: ['history'],
        summary: 'Health, alignment and KPI values over recent cycles',
        description:
          'The newest `limit` cycles that measured KPIs or a health score, returned oldest first. Role: viewer.',
        querystring: TrendQuery,
        response: { 200: TrendSchema, ...problems(403) },
      },
    },
    async (request) => ({ items: await scoreTrend(app.knex, request.query) }),
  );

  app.get(
    '/history/cycles/:cycleId',
    {
      ...viewer,
      schema: {
        tags: ['history'],
        summary: 'Findings and effects of a cycle',
        description:
          'Every finding the cycle detected (with the evidence it saw) and every effect of its actions. Role: viewer.',
        params: CycleIdParams,
        response: { 200: CycleHistorySchema, ...problems(403, 404) },
      },
    },
    async (request) => {
      const { cycleId } = request.params;
      if (!(await getCycle(app.knex, cycleId)))
        throw notFound(
          `No cycle '${cycleId}' in engine.cycles. GET /api/autonomous/cycles lists the cycles.`,
          'cycle-not-found',
        );
      const [findings, effects] = await Promise.all([
        cycleFindings(app.knex, cycleId),
        cycleEffects(app.knex, cycleId),
      ]);
      return { cycleId, findings, effects };
    },
  );
};
