// Actions awaiting an operator: list them, approve or reject one. A decision is a signal to the
// action's `actionApproval` workflow, which records it and executes the action once (DESIGN.md §3).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WorkflowNotFoundError } from '@temporalio/client';
import { appendAudit } from '../../db/repos/audit';
import { approvalWorkflowId, approveSignal, rejectSignal } from '../../workflows/definitions';
import { requireRole } from '../plugins/auth';
import { conflict, notFound } from '../problem';
import { getApproval, listApprovals } from '../repositories/approvals';
import { problems } from '../schemas/common';
import { ActionIdParams, ApprovalListSchema, DecisionAcceptedSchema, DecisionBody, ListApprovalsQuery } from '../schemas/approvals';

const SIGNAL_DEADLINE_MS = 10_000;

export const approvalRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/approvals',
    {
      onRequest: requireRole('viewer'),
      schema: {
        tags: ['approvals'],
        summary: 'Approvals (default: pending, nearest deadline first)',
        description: 'engine.approvals with the action each one is about. Role: viewer.',
        querystring: ListApprovalsQuery,
        response: { 200: ApprovalListSchema, ...problems(403) },
      },
    },
    async (request) => {
      const { status, limit, offset } = request.query;
      const { items, total } = await listApprovals(app.knex, { status: status === 'all' ? undefined : status, limit, offset });
      return { items, total, limit, offset };
    },
  );

  for (const decision of ['approve', 'reject'] as const) {
    app.post(
      `/approvals/:actionId/${decision}`,
      {
        onRequest: requireRole('operator'),
        schema: {
          tags: ['approvals'],
          summary: decision === 'approve' ? 'Approve an action' : 'Reject an action',
          description:
            `Signals \`${decision}\` {operator, reason} to workflow approval-<actionId>; the operator is the API key's name. ` +
            '404 when the action has no approval, 409 when it is no longer pending. Role: operator.',
          params: ActionIdParams,
          body: DecisionBody,
          response: { 202: DecisionAcceptedSchema, ...problems(403, 404, 409) },
        },
      },
      async (request, reply) => {
        const { actionId } = request.params;
        const operator = request.principal!.name;
        const { reason } = request.body;
        const approval = await getApproval(app.knex, actionId);
        if (!approval) throw notFound(`No approval for action '${actionId}'. GET /api/autonomous/approvals lists the pending ones.`, 'approval-not-found');
        if (approval.status !== 'pending') {
          throw conflict(
            `The approval of action '${actionId}' is no longer pending: it is ${approval.status}` +
              `${approval.decidedBy ? ` (by ${approval.decidedBy})` : ''}.`,
            'approval-not-pending',
          );
        }
        // The row records the workflow that owns the approval (approval-<actionId> by construction).
        const workflowId = approval.workflowId || approvalWorkflowId(actionId);
        const { client } = app.temporal;
        try {
          await client.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () =>
            client.workflow.getHandle(workflowId).signal(decision === 'approve' ? approveSignal : rejectSignal, { operator, reason }),
          );
        } catch (err) {
          // The row still says pending but the workflow has closed (e.g. it expired a moment ago).
          if (err instanceof WorkflowNotFoundError) {
            throw conflict(`The approval workflow '${workflowId}' is no longer running; the approval can no longer be decided.`, 'approval-not-pending');
          }
          throw err;
        }
        app.metrics.approvalsDecided.inc({ decision });
        // The workflow records the decision it acts on (the first one wins); this records who asked.
        await appendAudit(app.knex, {
          actor: operator,
          cycleId: approval.action.cycleId,
          event: `approval.${decision}_requested`,
          target: `action:${actionId}`,
          before: { status: approval.status },
          after: { decision, reason, workflowId, via: 'api' },
          dryRun: approval.action.dryRun,
        });
        request.log.info({ actionId, decision, operator }, 'approval decision signaled');
        return reply.code(202).send({ actionId, workflowId, decision, operator, reason, status: 'signaled' as const });
      },
    );
  }
};
