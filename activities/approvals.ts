// The actionApproval workflow's activities: open the approval row, record the decision (or expiry),
// and execute an approved action exactly once through the effect executor.
import { approvalWorkflowId, type ApprovalInput } from '../workflows/definitions';
import { getPolicies } from '../db/repos/config';
import type { ActivityDeps } from './deps';
import { escalateApproval, resolveEscalation, type EscalationResult } from './effects/approval-escalation';
import {
  executeApprovedAction,
  markApproval,
  openApproval,
  recordApprovalVotes,
  type VoteRecord,
} from './effects/approvals';

export interface ResolveApprovalInput {
  actionId: string;
  status: 'approved' | 'rejected' | 'expired';
  operator: string | null;
  reason: string | null;
}

export interface OpenedApproval {
  status: string;
  /** Distinct operators whose approve decides (policy approval_quorum on the blast radius). */
  requiredApprovers: number;
  /** Who started the run by hand: their approve is refused. */
  startedBy: string | null;
  /** Share of the wait after which a still-pending approval is escalated to admins (null: never). */
  escalateAtFraction: number | null;
}

export function approvalActivities(deps: ActivityDeps) {
  const effectDeps = {
    db: deps.db,
    payments: deps.payments,
    messenger: deps.messenger,
    now: deps.clock,
    appWriteBlocked: deps.appWriteBlocked,
  };
  return {
    /** The workflow counts votes against requiredApprovers and refuses startedBy's approve. */
    openApproval: async (input: ApprovalInput): Promise<OpenedApproval> => {
      const row = await openApproval(deps.db, {
        actionId: input.actionId,
        workflowId: approvalWorkflowId(input.actionId),
        deadline: input.deadline,
      });
      const policies = await getPolicies(deps.db);
      return {
        status: row.status,
        requiredApprovers: row.requiredApprovers,
        startedBy: row.startedBy,
        escalateAtFraction: policies.approval.escalateAtFraction,
      };
    },
    recordApprovalVotes: async (input: { actionId: string; votes: VoteRecord[] }): Promise<{ recorded: number }> => ({
      recorded: await recordApprovalVotes(deps.db, input.actionId, input.votes),
    }),
    escalateApproval: async (input: { actionId: string }): Promise<EscalationResult> =>
      escalateApproval({ db: deps.db, alertChannels: deps.alertChannels, now: deps.clock }, input.actionId),
    resolveApproval: async (input: ResolveApprovalInput): Promise<{ changed: boolean; status: string }> => {
      const { approval, changed } = await markApproval(
        deps.db,
        input.actionId,
        input.status,
        input.operator,
        input.reason,
      );
      await resolveEscalation(deps.db, input.actionId, deps.clock());
      return { changed, status: approval.status };
    },
    executeApprovedAction: async (input: {
      actionId: string;
      operator: string;
      reason: string;
    }): Promise<{ status: string; reason: string | null }> => {
      const r = await executeApprovedAction(effectDeps, input.actionId, {
        operator: input.operator,
        reason: input.reason,
      });
      return { status: r.status, reason: r.reason };
    },
  };
}
