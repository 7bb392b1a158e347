// What the engine concluded: decisions, learning (posteriors and learnings) and optimization
// opportunities (open opportunity findings and the latest optimize phase's planned actions).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listOpenFindings } from '../../db/repos/findings';
import { latestLearnings, listDecisions } from '../../db/repos/learning';
import { requireRole } from '../plugins/auth';
import { phaseActions } from '../../db/repos/actions';
import { latestCycleWithCompletedPhase } from '../../db/repos/cycles';
import { toFindingDto } from '../../db/repos/findings';
import { actionStatsWithBounds } from '../../db/repos/action-stats';
import type { SrmResult } from '../../engine/learning/srm';
import { problems } from '../schemas/common';
import { toIntervalDto } from '../schemas/interval';
import { DecisionListSchema, DecisionsQuery, LearningSchema, OpportunitiesSchema } from '../schemas/state';

const PLANNED_ACTIONS_LIMIT = 200;

export const insightRoutes: FastifyPluginAsyncZod = async (app) => {
  const viewer = { onRequest: requireRole('viewer') };

  app.get(
    '/decisions',
    {
      ...viewer,
      schema: {
        tags: ['state'],
        summary: 'Decisions of the decide phase, newest first',
        description:
          'Resource allocation, feature prioritization, pricing and threshold proposals, with rationale and confidence. Role: viewer.',
        querystring: DecisionsQuery,
        response: { 200: DecisionListSchema, ...problems(403) },
      },
    },
    async (request) => ({ items: await listDecisions(app.knex, request.query) }),
  );

  app.get(
    '/learning',
    {
      ...viewer,
      schema: {
        tags: ['state'],
        summary: 'What the engine has learned',
        description:
          'The newest learning of each kind and the success posterior of each action type (mean, lower bound). Role: viewer.',
        response: { 200: LearningSchema, ...problems(403) },
      },
    },
    async () => {
      const [learnings, stats] = await Promise.all([latestLearnings(app.knex), actionStatsWithBounds(app.knex)]);
      // The sample-ratio check of the newest learn phase says whether each uplift can be trusted.
      const checked = ((learnings.action_uplift?.payload as { uplift?: Record<string, { srm?: SrmResult | null }> })
        ?.uplift ?? {}) as Record<string, { srm?: SrmResult | null }>;
      return {
        learnings: Object.values(learnings).sort((a, b) => a.kind.localeCompare(b.kind)),
        actionStats: stats.map((s) => {
          const srm = checked[s.actionType]?.srm ?? null;
          return {
            ...s,
            uplift: s.uplift && {
              ...s.uplift,
              interval: toIntervalDto(s.uplift.interval),
              trustworthy: srm?.status !== 'mismatch',
              srm,
            },
          };
        }),
      };
    },
  );

  app.get(
    '/optimization-opportunities',
    {
      ...viewer,
      schema: {
        tags: ['state'],
        summary: 'Optimization opportunities',
        description:
          'Open opportunity findings and the actions the latest completed optimize phase planned. Role: viewer.',
        response: { 200: OpportunitiesSchema, ...problems(403) },
      },
    },
    async () => {
      const [opportunities, cycle] = await Promise.all([
        listOpenFindings(app.knex, { category: 'opportunity' }),
        latestCycleWithCompletedPhase(app.knex, 'optimize'),
      ]);
      const planned = cycle
        ? await phaseActions(app.knex, cycle.cycleId, 'optimize', PLANNED_ACTIONS_LIMIT)
        : { items: [], total: 0 };
      return {
        opportunities: opportunities.map(toFindingDto),
        cycleId: cycle?.cycleId ?? null,
        plannedActions: planned.items,
        plannedActionsTotal: planned.total,
      };
    },
  );
};
