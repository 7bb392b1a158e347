// Actions the engine planned, across cycles: list by status (awaiting_approval is the operator's
// queue), one with its gates, approval and effects, and approve or reject one.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { requireRole } from '../plugins/auth';
import { notFound } from '../problem';
import { getActionDetail, listActions } from '../../db/repos/actions';
import { ActionDetailSchema, ActionPageSchema, ListActionsQuery } from '../schemas/actions';
import { ActionIdParams } from '../schemas/approvals';
import { problems } from '../schemas/common';
import { registerDecisionRoutes } from './approvals';

export const actionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/actions',
    {
      onRequest: requireRole('viewer'),
      config: { readCache: true },
      schema: {
        tags: ['actions'],
        summary: 'Actions (newest first; awaiting_approval: nearest deadline first)',
        description: 'engine.actions across cycles, filtered by status, type, phase, cycle and dry-run. Role: viewer.',
        querystring: ListActionsQuery,
        response: { 200: ActionPageSchema, ...problems(403) },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, total } = await listActions(app.knex, q);
      return { items, total, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    '/actions/:actionId',
    {
      onRequest: requireRole('viewer'),
      config: { readCache: true },
      schema: {
        tags: ['actions'],
        summary: 'One action with its gate decisions, approval and effects',
        description: 'Role: viewer.',
        params: ActionIdParams,
        response: { 200: ActionDetailSchema, ...problems(403, 404) },
      },
    },
    async (request) => {
      const action = await getActionDetail(app.knex, request.params.actionId);
      if (!action)
        throw notFound(
          `No action with id '${request.params.actionId}'. GET /api/autonomous/actions lists them.`,
          'action-not-found',
        );
      return action;
    },
  );

  registerDecisionRoutes(app, '/actions', 'actions');
};
