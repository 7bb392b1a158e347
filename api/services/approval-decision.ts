// Approving or rejecting an action: one implementation behind both /approvals/:actionId/<decision> and
// /actions/:actionId/<decision>. The decision is a signal to the action's `actionApproval` workflow,
// which records it and executes the action once (docs/architecture.md); this records who asked. Several api
// processes may be asked at once: the audit entry's dedupe key is the claim, so one decision is signaled per
// approval and every other request is answered 409 with the decision that won.
import type { FastifyInstance } from 'fastify';
import { WorkflowNotFoundError } from '@temporalio/client';
import { appendAudit, findAuditByDedupeKey } from '../../db/repos/audit';
import { approvalWorkflowId, approveSignal, rejectSignal } from '../../workflows/definitions';
import { conflict, notFound } from '../problem';
import { getApproval } from '../../db/repos/approvals';

const SIGNAL_DEADLINE_MS = 10_000;

/** One per approval: the first decision request's audit entry holds it. */
const decisionClaim = (actionId: string) => `approval.decision:${actionId}`;

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
  // The claim and the signal commit together: a concurrent request waits on the claim's unique key, then finds it
  // taken; a signal that fails rolls the claim back, so the approval can still be decided.
  await app.knex.transaction(async (trx) => {
    const claimed = await appendAudit(trx, {
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
      dedupeKey: decisionClaim(actionId),
    });
    if (claimed === null) {
      const first = await findAuditByDedupeKey(trx, decisionClaim(actionId));
      const firstDecision = (first?.after as { decision?: string } | null)?.decision ?? 'decided';
      throw conflict(
        `The approval of action '${actionId}' was already decided: ${firstDecision} requested by ` +
          `${first?.actor ?? 'another operator'} at ${first?.at ?? 'an earlier moment'}.`,
        'approval-already-decided',
      );
    }
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
  });
  app.metrics.approvalsDecided.inc({ decision });
  return { actionId, workflowId, decision, operator, reason, status: 'signaled' };
}
