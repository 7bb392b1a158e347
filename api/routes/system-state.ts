// GET /api/autonomous/system-state: KPIs, open findings and recommendations as of the latest cycle
// that completed its analyze phase (docs/api.md).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listOpenFindings } from '../../db/repos/findings';
import { kpiSnapshotsOf } from '../../db/repos/kpi-snapshots';
import { requireRole } from '../plugins/auth';
import { notFound } from '../problem';
import { cycleRecommendations } from '../../db/repos/actions';
import { latestCycleWithCompletedPhase } from '../../db/repos/cycles';
import { toFindingDto } from '../../db/repos/findings';
import { problems } from '../schemas/common';
import { toIntervalDto } from '../schemas/interval';
import { SystemStateSchema } from '../schemas/state';

const RECOMMENDATION_LIMIT = 100;

export const systemStateRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/system-state',
    {
      onRequest: requireRole('viewer'),
      config: { readCache: true },
      schema: {
        tags: ['state'],
        summary: 'System state: KPIs, issues, opportunities, recommendations',
        description: 'As of the latest cycle that completed its analyze phase; 404 until one has. Role: viewer.',
        response: { 200: SystemStateSchema, ...problems(403, 404) },
      },
    },
    async () => {
      const cycle = await latestCycleWithCompletedPhase(app.knex, 'analyze');
      if (!cycle)
        throw notFound(
          'No cycle has run yet: POST /api/autonomous/run-cycle to start one, then retry.',
          'no-cycle-yet',
        );
      const [kpis, issues, opportunities, recommendations] = await Promise.all([
        kpiSnapshotsOf(app.knex, cycle.cycleId),
        listOpenFindings(app.knex, { category: 'issue' }),
        listOpenFindings(app.knex, { category: 'opportunity' }),
        cycleRecommendations(app.knex, cycle.cycleId, RECOMMENDATION_LIMIT),
      ]);
      return {
        cycleId: cycle.cycleId,
        kind: cycle.kind,
        dryRun: cycle.dryRun,
        cycleStatus: cycle.status,
        computedAt: kpis[0]?.computedAt ?? cycle.logicalNow,
        healthScore: cycle.healthScore,
        alignmentScore: cycle.alignmentScore,
        kpis: kpis.map(({ name, value, target, sampleSize, interval, status, details }) => ({
          name,
          value,
          target,
          sampleSize,
          interval: toIntervalDto(interval),
          status,
          details,
        })),
        issues: issues.map(toFindingDto),
        opportunities: opportunities.map(toFindingDto),
        recommendations: recommendations.items,
        recommendationsTotal: recommendations.total,
      };
    },
  );
};
