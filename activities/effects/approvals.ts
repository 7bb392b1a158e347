// The approval side of the safety model (docs/architecture.md, docs/safety.md): an action below its confidence gate waits for
// an operator in engine.approvals; the actionApproval workflow opens the row, records the decision, and
// executes an approved action once through the executor (which re-checks the kill switch and the other
// execution-time gates first). Every transition is audited; repeating one is a no-op.
import type { Knex } from 'knex';
import { getAction, transitionAction } from '../../db/repos/actions';
import {
  getApprovalRecord,
  type ApprovalRecord,
  type ApprovalRowStatus,
  insertApproval,
  insertApprovalVotes,
  lockApproval,
  updateApproval,
} from '../../db/repos/approvals';
import { appendAudit } from '../../db/repos/audit';
import { getPolicies } from '../../db/repos/config';
import { getCycle } from '../../db/repos/cycles';
import { userMrrCents } from '../../db/queries/users';
import { actionBlastRadius, userOf } from '../../engine/approvals/blast-radius';
import { quorumReason, requiredApprovers, runStarter } from '../../engine/approvals/quorum';
import type { ActionStatus } from '../../engine/types';
import { NonRetryableError } from './errors';
import { executeAction, type EffectDeps, type ExecutionResult } from './executor';

/** Action statuses at or past the approval step: opening the approval again for them is a no-op. */
const AWAITING_OR_DECIDED: readonly ActionStatus[] = [
  'pending_approval',
  'approved',
  'rejected',
  'expired',
  'executed',
  'failed',
  'blocked',
];

/**
 * Inserts the engine.approvals row of an action waiting for an operator (idempotent), with its blast radius
 * (users and MRR touched), the distinct approvals it needs (policy approval_quorum) and who started its run by
 * hand (refused as an approver). A retry returns the row the first call wrote, so the workflow sees one answer.
 */
export async function openApproval(
  db: Knex,
  input: { actionId: string; workflowId: string; deadline: Date | string },
): Promise<ApprovalRecord> {
  const deadline = new Date(input.deadline);
  if (Number.isNaN(deadline.getTime()))
    throw new NonRetryableError(
      `approval of ${input.actionId}: invalid deadline ${String(input.deadline)}`,
      'invalid_input',
    );
  return db.transaction(async (trx) => {
    const action = await getAction(trx, input.actionId);
    if (!action) throw new NonRetryableError(`action ${input.actionId} does not exist`, 'not_found');
    if (!AWAITING_OR_DECIDED.includes(action.status) || action.dryRun) {
      throw new NonRetryableError(
        `action ${input.actionId} is ${action.dryRun ? 'a dry-run action' : action.status}: it does not await approval`,
        'not_awaiting_approval',
      );
    }
    const policies = await getPolicies(trx);
    const user = userOf(action);
    const blast = actionBlastRadius(action, user === null ? 0 : await userMrrCents(trx, user));
    const required = requiredApprovers(blast, policies.approval_quorum);
    const startedBy = runStarter(await getCycle(trx, action.cycleId));
    const inserted = await insertApproval(trx, {
      actionId: input.actionId,
      workflowId: input.workflowId,
      deadline,
      blast,
      requiredApprovers: required,
      startedBy,
    });
    if (inserted) {
      await appendAudit(trx, {
        actor: 'engine',
        cycleId: action.cycleId,
        event: 'approval.opened',
        target: input.actionId,
        after: {
          workflowId: input.workflowId,
          deadline: deadline.toISOString(),
          confidence: action.confidence,
          reason: action.statusReason,
          blastRadius: blast,
          requiredApprovers: required,
          quorum: quorumReason(blast, policies.approval_quorum),
          startedBy,
        },
        dryRun: action.dryRun,
        dedupeKey: `approval.opened:${input.actionId}`,
      });
    }
    return (await getApprovalRecord(trx, input.actionId))!;
  });
}

export type ApprovalMark = 'approved' | 'rejected' | 'expired' | 'executed' | 'failed';

const ALLOWED_FROM: Record<ApprovalMark, readonly ApprovalRowStatus[]> = {
  approved: ['pending'],
  rejected: ['pending'],
  expired: ['pending'],
  executed: ['approved'],
  failed: ['approved'],
};

/** What the action's status becomes with the decision (executed/failed are set by the executor). */
const ACTION_STATUS: Partial<Record<ApprovalMark, ActionStatus>> = {
  approved: 'approved',
  rejected: 'rejected',
  expired: 'expired',
};

/**
 * Records a decision (approved / rejected / expired) or the end of an approved execution (executed /
 * failed) on engine.approvals and the action, with an audit entry. The first decision wins: a later,
 * different one changes nothing and `changed` is false.
 */
export async function markApproval(
  db: Knex,
  actionId: string,
  status: ApprovalMark,
  operator?: string | null,
  reason?: string | null,
): Promise<{ approval: ApprovalRecord; changed: boolean }> {
  if (!(status in ALLOWED_FROM)) throw new NonRetryableError(`unknown approval status '${status}'`, 'invalid_input');
  return db.transaction(async (trx) => {
    const row = await lockApproval(trx, actionId);
    if (!row) throw new NonRetryableError(`action ${actionId} has no approval`, 'not_found');
    const action = await getAction(trx, actionId);
    if (!action) throw new NonRetryableError(`action ${actionId} does not exist`, 'not_found');
    if (row.status === status || !ALLOWED_FROM[status].includes(row.status)) {
      return { approval: (await getApprovalRecord(trx, actionId))!, changed: false };
    }
    const isDecision = status === 'approved' || status === 'rejected' || status === 'expired';
    const by = operator?.trim() || null;
    await updateApproval(trx, actionId, {
      status,
      ...(isDecision ? { decision: { by, reason: reason ?? null } } : {}),
    });
    const next = ACTION_STATUS[status];
    if (next) {
      const why =
        status === 'expired'
          ? `approval expired: ${reason ?? 'no decision before the deadline'}`
          : `${status} by ${by ?? 'unknown'}${reason ? `: ${reason}` : ''}`;
      await transitionAction(trx, actionId, ['pending_approval'], { status: next, reason: why });
    }
    await appendAudit(trx, {
      actor: isDecision ? (by ?? 'engine') : 'engine',
      cycleId: action.cycleId,
      event: `approval.${status}`,
      target: actionId,
      before: { status: row.status },
      after: { status, operator: by, reason: reason ?? null },
      dryRun: action.dryRun,
      dedupeKey: `approval.${status}:${actionId}`,
    });
    return { approval: (await getApprovalRecord(trx, actionId))!, changed: true };
  });
}

/**
 * Executes an action an operator approved, once: the executor re-checks the kill switch (and contact cap,
 * quiet hours, recipient, circuit breaker) right before acting; the approval row then records executed or
 * failed. Called again (a retried activity) it returns the recorded result.
 */
export async function executeApprovedAction(
  deps: EffectDeps,
  actionId: string,
  decision: { operator: string; reason: string },
): Promise<ExecutionResult> {
  const { db } = deps;
  const approval = await getApprovalRecord(db, actionId);
  if (!approval) throw new NonRetryableError(`action ${actionId} has no approval`, 'not_found');
  if (!['approved', 'executed', 'failed'].includes(approval.status)) {
    throw new NonRetryableError(`action ${actionId} is not approved (approval is ${approval.status})`, 'not_approved');
  }
  const action = await getAction(db, actionId);
  if (!action) throw new NonRetryableError(`action ${actionId} does not exist`, 'not_found');
  if (action.status === 'blocked') {
    // Blocked by an execution-time gate on an earlier attempt: report it again, never run it.
    await markApproval(db, actionId, 'failed', approval.decidedBy ?? decision.operator, action.statusReason);
    return { actionId, status: 'blocked', reason: action.statusReason, effect: null, repeated: true };
  }
  if (!['pending_approval', 'approved', 'executed', 'failed'].includes(action.status)) {
    throw new NonRetryableError(`action ${actionId} is ${action.status}: it cannot run on an approval`, 'not_runnable');
  }
  if (action.status === 'pending_approval') {
    // The approval was recorded but the action's own status lags (written by an older path): align it.
    await transitionAction(db, actionId, ['pending_approval'], {
      status: 'approved',
      reason: `approved by ${approval.decidedBy ?? decision.operator}`,
    });
  }
  const result = await executeAction(deps, actionId);
  await markApproval(
    db,
    actionId,
    result.status === 'executed' ? 'executed' : 'failed',
    approval.decidedBy ?? decision.operator,
    result.reason ?? decision.reason,
  );
  return result;
}

export interface VoteRecord {
  /** The workflow's own count of the signals it saw, from 1: the idempotency key of the vote. */
  seq: number;
  operator: string;
  approve: boolean;
  reason: string;
  counted: boolean;
  note: string;
}

/**
 * Records the votes the workflow saw, each with an audit entry: approval.vote when it counted,
 * approval.vote_refused when it did not (self-approval, a repeat, after the decision). Idempotent per seq.
 */
export async function recordApprovalVotes(db: Knex, actionId: string, votes: readonly VoteRecord[]): Promise<number> {
  return db.transaction(async (trx) => {
    const action = await getAction(trx, actionId);
    if (!action) throw new NonRetryableError(`action ${actionId} does not exist`, 'not_found');
    if (!(await getApprovalRecord(trx, actionId)))
      throw new NonRetryableError(`action ${actionId} has no approval`, 'not_found');
    const inserted = new Set(await insertApprovalVotes(trx, actionId, votes));
    for (const v of votes) {
      if (!inserted.has(v.seq)) continue;
      await appendAudit(trx, {
        actor: v.operator || 'unknown',
        cycleId: action.cycleId,
        event: v.counted ? 'approval.vote' : 'approval.vote_refused',
        target: actionId,
        after: { seq: v.seq, operator: v.operator, approve: v.approve, reason: v.reason, note: v.note },
        dryRun: action.dryRun,
        dedupeKey: `approval.vote:${actionId}:${v.seq}`,
      });
    }
    return inserted.size;
  });
}
