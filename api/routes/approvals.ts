// Actions awaiting an operator: list them, approve or reject one. A decision is a signal to the
// action's `actionApproval` workflow, which records it and executes the action once (docs/architecture.md).
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireRole } from '../plugins/auth';
import { listApprovals, pendingApprovalGroups } from '../../db/repos/approvals';
import { BULK_DECISION_LIMIT, signalApprovalDecision, signalBulkDecision } from '../services/approval-decision';
import { problems } from '../schemas/common';
import {
  ActionIdParams,
  ApprovalListSchema,
  BulkDecisionBody,
  BulkDecisionSchema,
  DecisionAcceptedSchema,
  DecisionBody,
  ListApprovalsQuery,
} from '../schemas/approvals';

export const approvalRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/approvals',
    {
      onRequest: requireRole('viewer'),
      schema: {
        tags: ['approvals'],
        summary: 'Approvals (default: pending, nearest deadline first)',
        description:
          'engine.approvals with the action each one is about, its blast radius, quorum and votes; `groups` holds every ' +
          'pending approval grouped by (cycle, action type) for review together. Role: viewer.',
        querystring: ListApprovalsQuery,
        response: { 200: ApprovalListSchema, ...problems(403) },
      },
    },
    async (request) => {
      const { status, limit, offset } = request.query;
      const { items, total } = await listApprovals(app.knex, {
        status: status === 'all' ? undefined : status,
        limit,
        offset,
      });
      return { items, total, limit, offset, groups: await pendingApprovalGroups(app.knex) };
    },
  );

  app.post(
    '/approvals/decide',
    {
      onRequest: requireRole('operator'),
      schema: {
        tags: ['approvals'],
        summary: 'Approve or reject every pending approval matching a filter, with one reason',
        description:
          `Signals the decision to each pending approval matching all of filter {type, cycleId, actionIds} (at most ${BULK_DECISION_LIMIT}), ` +
          'each as a decision of its own: the self-approval and quorum rules apply per approval, and the ones that cannot ' +
          'be signaled are listed in `skipped` with why. 400 for an empty filter, 409 when it matches too many. Role: operator.',
        body: BulkDecisionBody,
        response: { 200: BulkDecisionSchema, ...problems(400, 403, 409) },
      },
    },
    async (request) => {
      const result = await signalBulkDecision(app, {
        decision: request.body.decision,
        reason: request.body.reason,
        filter: request.body.filter,
        operator: request.principal!.name,
        requestId: request.id,
      });
      request.log.info(
        { decision: result.decision, matched: result.matched, signaled: result.signaled, operator: result.operator },
        'bulk approval decision signaled',
      );
      return result;
    },
  );

  registerDecisionRoutes(app, '/approvals', 'approvals');
};

/**
 * POST <base>/:actionId/approve|reject: signals the decision {operator, reason} to the action's approval
 * workflow (the operator is the API key's name). Shared by /approvals and /actions.
 */
export function registerDecisionRoutes(app: FastifyInstance, base: '/approvals' | '/actions', tag: string): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  for (const decision of ['approve', 'reject'] as const) {
    typed.post(
      `${base}/:actionId/${decision}`,
      {
        onRequest: requireRole('operator'),
        schema: {
          tags: [tag],
          summary:
            decision === 'approve' ? 'Approve an action awaiting approval' : 'Reject an action awaiting approval',
          description:
            `Signals \`${decision}\` {operator, reason} to workflow approval-<actionId>; the operator is the API key's name. ` +
            '404 when the action has no approval; 409 when it is no longer pending, past its deadline, or a decision (with a ' +
            "quorum: this operator's approve) was already requested; 403 for an approve by whoever started the run by hand. Role: operator.",
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
        request.log.info(
          { actionId: result.actionId, decision, operator: result.operator },
          'approval decision signaled',
        );
        return reply.code(202).send(result);
      },
    );
  }
}
