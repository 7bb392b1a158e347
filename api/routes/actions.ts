// Actions the engine planned, across cycles: list by status (awaiting_approval is the operator's
// queue), one with its gates, approval and effects, and approve or reject one.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { requireRole } from '../plugins/auth';
import { notFound } from '../problem';
import { getActionDetail, listActions } from '../repositories/actions';
import { ActionDetailSchema, ActionPageSchema, ListActionsQuery } from '../schemas/actions';
import { ActionIdParams, DecisionAcceptedSchema, DecisionBody } from '../schemas/approvals';
import { problems } from '../schemas/common';
import { signalApprovalDecision } from '../services/approval-decision';

export const actionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/actions',
    {
      onRequest: requireRole('viewer'),
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
      if (!action) throw notFound(`No action with id '${request.params.actionId}'. GET /api/autonomous/actions lists them.`, 'action-not-found');
      return action;
    },
  );

  for (const decision of ['approve', 'reject'] as const) {
    app.post(
      `/actions/:actionId/${decision}`,
      {
        onRequest: requireRole('operator'),
        schema: {
          tags: ['actions'],
          summary: decision === 'approve' ? 'Approve an action awaiting approval' : 'Reject an action awaiting approval',
          description:
            `Signals \`${decision}\` {operator, reason} to the action's approval workflow; the operator is the API key's name. ` +
            '404 when the action has no approval, 409 when it is no longer pending. Role: operator.',
          params: ActionIdParams,
          body: DecisionBody,
          response: { 202: DecisionAcceptedSchema, ...problems(403, 404, 409) },
        },
      },
      async (request, reply) => {
        const result = await signalApprovalDecision(app, {
          actionId: request.params.actionId,
          decision,
          operator: request.principal!.name,
          reason: request.body.reason,
          requestId: request.id,
        });
        request.log.info({ actionId: result.actionId, decision, operator: result.operator }, 'approval decision signaled');
        return reply.code(202).send(result);
      },
    );
  }
};
