// Approving or rejecting an action: one implementation behind both /approvals/:actionId/<decision> and
// /actions/:actionId/<decision>. The decision is a signal to the action's `actionApproval` workflow,
// which records it and executes the action once (docs/architecture.md); this records who asked. Several api
// processes may be asked at once: the audit entry's dedupe key is the claim, so one decision is signaled per
// approval and every other request is answered 409 with the decision that won. An approval that needs several
// approvers (policy approval_quorum) takes one approve per operator; whoever started the run by hand may not
// approve (403, checked here and again by the workflow, which Temporal CLI signals reach directly); an
// approval past its deadline is never signaled (409), so it can only expire.
import type { FastifyInstance } from 'fastify';
import { WorkflowNotFoundError } from '@temporalio/client';
import { appendAudit, findAuditByDedupeKey } from '../../db/repos/audit';
import { approvalWorkflowId, approveSignal, rejectSignal } from '../../workflows/definitions';
import { conflict, HttpProblem, notFound } from '../problem';
import { getApproval, pendingApprovalIdsMatching } from '../../db/repos/approvals';
import { sameOperator } from '../../engine/approvals/quorum';

const SIGNAL_DEADLINE_MS = 10_000;

/**
 * One per approval: the first decision request's audit entry holds it. With a quorum each operator's approve
 * claims its own key, and a reject (which decides alone) the approval's.
 */
const decisionClaim = (actionId: string, quorumApproveBy?: string) =>
  quorumApproveBy
    ? `approval.decision:${actionId}:approve:${quorumApproveBy.trim().toLowerCase()}`
    : `approval.decision:${actionId}`;

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
  if (Date.parse(approval.deadline) <= Date.now()) {
    throw conflict(
      `The approval of action '${actionId}' passed its deadline ${approval.deadline}: it expires without running and can no longer be decided.`,
      'approval-expired',
    );
  }
  if (decision === 'approve' && approval.startedBy && sameOperator(approval.startedBy, operator)) {
    throw new HttpProblem(
      403,
      `Self-approval refused: ${operator} started the run of action '${actionId}' by hand (cycle ${approval.action.cycleId}), so another operator must approve it. A reject is allowed.`,
      { slug: 'self-approval' },
    );
  }
  const quorumApproveBy = decision === 'approve' && approval.requiredApprovers > 1 ? operator : undefined;
  if (quorumApproveBy && approval.approvedBy.some((a) => sameOperator(a, operator))) {
    throw conflict(
      `${operator} already approved action '${actionId}' (${approval.approvedBy.length} of ${approval.requiredApprovers} approvals): another operator must approve.`,
      'approval-already-voted',
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
        requiredApprovers: approval.requiredApprovers,
      },
      dryRun: approval.action.dryRun,
      dedupeKey: decisionClaim(actionId, quorumApproveBy),
    });
    if (claimed === null) {
      const first = await findAuditByDedupeKey(trx, decisionClaim(actionId, quorumApproveBy));
      if (quorumApproveBy)
        throw conflict(
          `${operator} already asked to approve action '${actionId}' at ${first?.at ?? 'an earlier moment'}: another operator must approve.`,
          'approval-already-voted',
        );
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

export interface BulkDecisionFilter {
  type?: string;
  cycleId?: string;
  actionIds?: string[];
}

export interface BulkDecisionResult {
  decision: ApprovalDecision;
  operator: string;
  reason: string;
  /** Pending approvals the filter matched. */
  matched: number;
  signaled: number;
  signaledIds: string[];
  skipped: Array<{ actionId: string; status: number; reason: string }>;
}

/** The most approvals one bulk decision signals: a larger selection is narrowed, not truncated silently. */
export const BULK_DECISION_LIMIT = 500;

/**
 * Decides every pending approval the filter matches with one reason: each is signaled as one decision of its
 * own (claim, self-approval and quorum rules included), and the ones that cannot be are answered with why.
 */
export async function signalBulkDecision(
  app: FastifyInstance,
  req: {
    decision: ApprovalDecision;
    operator: string;
    reason: string;
    filter: BulkDecisionFilter;
    requestId: string;
  },
): Promise<BulkDecisionResult> {
  const ids = await pendingApprovalIdsMatching(app.knex, req.filter, BULK_DECISION_LIMIT + 1);
  if (ids.length > BULK_DECISION_LIMIT)
    throw conflict(
      `The filter matches more than ${BULK_DECISION_LIMIT} pending approvals; narrow it (type, cycleId or actionIds).`,
      'bulk-decision-too-large',
    );
  const out: BulkDecisionResult = {
    decision: req.decision,
    operator: req.operator,
    reason: req.reason,
    matched: ids.length,
    signaled: 0,
    signaledIds: [],
    skipped: [],
  };
  for (const actionId of ids) {
    try {
      await signalApprovalDecision(app, {
        actionId,
        decision: req.decision,
        operator: req.operator,
        reason: req.reason,
        requestId: req.requestId,
      });
      out.signaled += 1;
      out.signaledIds.push(actionId);
    } catch (err) {
      // One approval the workflow service could not be reached for does not stop the others.
      if (err instanceof HttpProblem) out.skipped.push({ actionId, status: err.status, reason: err.message });
      else out.skipped.push({ actionId, status: 503, reason: `not signaled: ${(err as Error).message}` });
    }
  }
  return out;
}
