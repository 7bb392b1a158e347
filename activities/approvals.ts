// The actionApproval workflow's activities: open the approval row, record the decision (or expiry),
// and execute an approved action exactly once through the effect executor.
import { approvalWorkflowId, type ApprovalInput } from '../workflows/definitions';
import type { ActivityDeps } from './deps';
import { executeApprovedAction, markApproval, openApproval } from './effects/approvals';

export interface ResolveApprovalInput {
  actionId: string;
  status: 'approved' | 'rejected' | 'expired';
  operator: string | null;
  reason: string | null;
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
    openApproval: async (input: ApprovalInput): Promise<{ status: string }> => {
      const row = await openApproval(deps.db, {
        actionId: input.actionId,
        workflowId: approvalWorkflowId(input.actionId),
        deadline: input.deadline,
      });
      return { status: row.status };
    },
    resolveApproval: async (input: ResolveApprovalInput): Promise<{ changed: boolean; status: string }> => {
      const { approval, changed } = await markApproval(
        deps.db,
        input.actionId,
        input.status,
        input.operator,
        input.reason,
      );
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
