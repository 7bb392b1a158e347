// engine.approvals: the approval of each action that waits for an operator (opened, decided, executed or
// failed), and the api's reads of approvals joined with their actions.
import type { ApprovalStatus } from '../../workflows/definitions';
import type { ActionDto } from '../../api/schemas/common';
import { toActionDto } from './actions';
import { iso, type Queryable } from '../types';

export interface ApprovalDto {
  actionId: string;
  workflowId: string;
  status: ApprovalStatus;
  deadline: string;
  decidedBy: string | null;
  reason: string | null;
  decidedAt: string | null;
  createdAt: string;
  /** The Slack message of the request, when it was posted to Slack. */
  slackUrl: string | null;
  action: ActionDto;
}

function toApprovalDto(r: Record<string, any>): ApprovalDto {
  return {
    actionId: r.action_id,
    workflowId: r.workflow_id,
    status: r.approval_status,
    deadline: iso(r.deadline)!,
    decidedBy: r.decided_by ?? null,
    reason: r.reason ?? null,
    decidedAt: iso(r.decided_at),
    createdAt: iso(r.approval_created_at)!,
    slackUrl: r.slack_permalink ?? null,
    action: toActionDto(r),
  };
}

function base(db: Queryable) {
  return db('engine.approvals as ap')
    .join('engine.actions as a', 'a.id', 'ap.action_id')
    .leftJoin('engine.slack_approval_messages as sm', 'sm.action_id', 'ap.action_id');
}

const COLUMNS = [
  'a.*',
  'ap.action_id',
  'ap.workflow_id',
  'ap.status as approval_status',
  'ap.deadline',
  'ap.decided_by',
  'ap.reason',
  'ap.decided_at',
  'ap.created_at as approval_created_at',
  'sm.permalink as slack_permalink',
];

export async function listApprovals(
  db: Queryable,
  q: { status?: ApprovalStatus; limit: number; offset: number },
): Promise<{ items: ApprovalDto[]; total: number }> {
  const filtered = () => (q.status ? base(db).where('ap.status', q.status) : base(db));
  // Pending ones by urgency (nearest deadline first); decided ones newest first.
  const order = q.status === 'pending' ? 'ap.deadline asc, ap.action_id asc' : 'ap.created_at desc, ap.action_id asc';
  const [rows, count] = await Promise.all([
    filtered().select(COLUMNS).orderByRaw(order).limit(q.limit).offset(q.offset),
    filtered().count({ n: '*' }).first(),
  ]);
  return { items: rows.map(toApprovalDto), total: Number((count as { n: number } | undefined)?.n ?? 0) };
}

export async function getApproval(db: Queryable, actionId: string): Promise<ApprovalDto | null> {
  const row = await base(db).where('ap.action_id', actionId).first(COLUMNS);
  return row ? toApprovalDto(row) : null;
}

export type ApprovalRowStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'executed' | 'failed';

export interface ApprovalRecord {
  actionId: string;
  workflowId: string;
  status: ApprovalRowStatus;
  deadline: string;
  decidedBy: string | null;
  reason: string | null;
  decidedAt: string | null;
  createdAt: string;
}

export function toApprovalRecord(r: Record<string, any>): ApprovalRecord {
  return {
    actionId: r.action_id,
    workflowId: r.workflow_id,
    status: r.status,
    deadline: iso(r.deadline)!,
    decidedBy: r.decided_by ?? null,
    reason: r.reason ?? null,
    decidedAt: iso(r.decided_at),
    createdAt: iso(r.created_at)!,
  };
}

export async function getApprovalRecord(db: Queryable, actionId: string): Promise<ApprovalRecord | null> {
  const row = await db('engine.approvals').where({ action_id: actionId }).first();
  return row ? toApprovalRecord(row) : null;
}

/** Opens the approval row of an action (idempotent); returns whether this call inserted it. */
export async function insertApproval(
  db: Queryable,
  a: { actionId: string; workflowId: string; deadline: Date },
): Promise<boolean> {
  const inserted = await db('engine.approvals')
    .insert({ action_id: a.actionId, workflow_id: a.workflowId, status: 'pending', deadline: a.deadline })
    .onConflict('action_id')
    .ignore()
    .returning('action_id');
  return inserted.length > 0;
}

/** The approval row locked for a decision (FOR UPDATE), or null. */
export async function lockApproval(trx: Queryable, actionId: string): Promise<ApprovalRecord | null> {
  const row = await trx('engine.approvals').where({ action_id: actionId }).forUpdate().first();
  return row ? toApprovalRecord(row) : null;
}

/** Records a decision (with who, why and when) or, for executed/failed, the new status only. */
export async function updateApproval(
  db: Queryable,
  actionId: string,
  change: { status: ApprovalRowStatus; decision?: { by: string | null; reason: string | null } },
): Promise<void> {
  await db('engine.approvals')
    .where({ action_id: actionId })
    .update(
      change.decision
        ? {
            status: change.status,
            decided_by: change.decision.by,
            reason: change.decision.reason,
            decided_at: db.fn.now(),
          }
        : { status: change.status },
    );
}

/** Counts for /metrics: pending approvals and the seconds until the most urgent one expires. */
export async function approvalQueue(db: Queryable): Promise<{ depth: number; nextDeadlineSeconds: number | null }> {
  const queue = await db('engine.approvals')
    .where({ status: 'pending' })
    .first(
      db.raw('count(*)::int as n'),
      db.raw('extract(epoch from (min(deadline) - now()))::float8 as next_deadline'),
    );
  return {
    depth: Number(queue?.n ?? 0),
    nextDeadlineSeconds: queue?.next_deadline == null ? null : Number(queue.next_deadline),
  };
}

/** Action ids that have an approval, optionally only pending ones of one cycle and action type. */
export async function approvalActionIds(
  db: Queryable,
  filter: { pendingOf?: { cycleId: string; type: string } } = {},
): Promise<string[]> {
  const q = db('engine.approvals as ap').join('engine.actions as a', 'a.id', 'ap.action_id');
  if (filter.pendingOf)
    q.where({ 'a.cycle_id': filter.pendingOf.cycleId, 'ap.status': 'pending', 'a.type': filter.pendingOf.type });
  return q.orderBy('a.id').pluck('a.id');
}

/** Workflow ids of the approvals still pending. */
export async function pendingApprovalWorkflowIds(db: Queryable): Promise<string[]> {
  return db('engine.approvals').where({ status: 'pending' }).pluck('workflow_id');
}
