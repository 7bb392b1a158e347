// Approving or rejecting an action: one implementation behind both /approvals/:actionId/<decision> and
// /actions/:actionId/<decision>. The decision is a signal to the action's `actionApproval` workflow,
// which records it and executes the action once (docs/architecture.md); this records who asked.
import type { FastifyInstance } from 'fastify';
import { WorkflowNotFoundError } from '@temporalio/client';
import { appendAudit } from '../../db/repos/audit';
import { approvalWorkflowId, approveSignal, rejectSignal } from '../../workflows/definitions';
import { conflict, notFound } from '../problem';
import { getApproval } from '../../db/repos/approvals';

const SIGNAL_DEADLINE_MS = 10_000;

export type ApprovalDecision = 'approve' | 'reject';

export interface DecisionSignaled {
  actionId: string;
  workflowId: string;
  decision: ApprovalDecision;
  operator: string;
  reason: string;
  status: 'signaled';
}

export async function signalApprovalDecision(
  app: FastifyInstance,
  req: {
    actionId: string;
    decision: ApprovalDecision;
    operator: string;
    reason: string;
    requestId: string;
    /** Where the decision came from, for the audit entry (default the api); Slack adds who clicked. */
    via?: { channel: 'api' } | { channel: 'slack'; slackUserId: string; slackUserName: string | null };
    /** Slack wants its answer within 3 s; the api waits longer. */
    signalDeadlineMs?: number;
  },
): Promise<DecisionSignaled> {
  const { actionId, decision, operator, reason } = req;
  const approval = await getApproval(app.knex, actionId);
  if (!approval) {
    throw notFound(
      `No approval for action '${actionId}'. GET /api/autonomous/actions?status=awaiting_approval lists the pending ones.`,
      'approval-not-found',
    );
  }
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
    await client.withDeadline(Date.now() + (req.signalDeadlineMs ?? SIGNAL_DEADLINE_MS), () =>
      client.workflow
        .getHandle(workflowId)
        .signal(decision === 'approve' ? approveSignal : rejectSignal, { operator, reason }),
    );
  } catch (err) {
    // The row still says pending but the workflow has closed (e.g. it expired a moment ago).
    if (err instanceof WorkflowNotFoundError) {
      throw conflict(
        `The approval workflow '${workflowId}' is no longer running; the approval can no longer be decided.`,
        'approval-not-pending',
      );
    }
    throw err;
  }
  app.metrics.approvalsDecided.inc({ decision });
  await appendAudit(app.knex, {
    actor: operator,
    cycleId: approval.action.cycleId,
    event: `approval.${decision}_requested`,
    target: `action:${actionId}`,
    before: { status: approval.status },
    after: {
      decision,
      reason,
      workflowId,
      ...(req.via?.channel === 'slack'
        ? { via: 'slack', slackUserId: req.via.slackUserId, slackUserName: req.via.slackUserName }
        : { via: 'api' }),
      requestId: req.requestId,
    },
    dryRun: approval.action.dryRun,
  });
  return { actionId, workflowId, decision, operator, reason, status: 'signaled' };
}
