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
  /** Users and MRR the action touches, computed when the approval opened (null for one opened before). */
  blastRadius: { users: number; mrrCents: number } | null;
  /** Distinct operators whose approve is needed (policy approval_quorum). */
  requiredApprovers: number;
  /** Operators whose approve counted so far, in order. */
  approvedBy: string[];
  /** Who started the run by hand: refused as an approver (null for a schedule or the monitor). */
  startedBy: string | null;
  escalatedAt: string | null;
  /** Every vote the workflow saw, counted or refused, oldest first. */
  votes: ApprovalVote[];
  action: ActionDto;
}

export interface ApprovalVote {
  seq: number;
  operator: string;
  approve: boolean;
  reason: string;
  counted: boolean;
  /** "1 of 2 approvals", or why the vote was refused. */
  note: string;
  at: string;
}

function toApprovalDto(r: Record<string, any>, votes: ApprovalVote[] = []): ApprovalDto {
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
    blastRadius:
      r.blast_users == null ? null : { users: Number(r.blast_users), mrrCents: Number(r.blast_mrr_cents ?? 0) },
    requiredApprovers: Number(r.required_approvers ?? 1),
    approvedBy: votes.filter((v) => v.counted && v.approve).map((v) => v.operator),
    startedBy: r.started_by ?? null,
    escalatedAt: iso(r.escalated_at),
    votes,
    action: toActionDto(r),
  };
}

function toVote(r: Record<string, any>): ApprovalVote {
  return {
    seq: Number(r.seq),
    operator: r.operator,
    approve: r.approve,
    reason: r.reason,
    counted: r.counted,
    note: r.note,
    at: iso(r.created_at)!,
  };
}

/** The votes of these approvals, by action id, oldest first. */
async function votesOf(db: Queryable, actionIds: readonly string[]): Promise<Map<string, ApprovalVote[]>> {
  const out = new Map<string, ApprovalVote[]>();
  if (!actionIds.length) return out;
  const rows = await db('engine.approval_votes').whereIn('action_id', actionIds).orderBy(['action_id', 'seq']);
  for (const r of rows) out.set(r.action_id, [...(out.get(r.action_id) ?? []), toVote(r)]);
  return out;
}

async function withVotes(db: Queryable, rows: Array<Record<string, any>>): Promise<ApprovalDto[]> {
  const votes = await votesOf(
    db,
    rows.map((r) => r.action_id as string),
  );
  return rows.map((r) => toApprovalDto(r, votes.get(r.action_id) ?? []));
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
  'ap.blast_users',
  'ap.blast_mrr_cents',
  'ap.required_approvers',
  'ap.started_by',
  'ap.escalated_at',
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
  return { items: await withVotes(db, rows), total: Number((count as { n: number } | undefined)?.n ?? 0) };
}

export async function getApproval(db: Queryable, actionId: string): Promise<ApprovalDto | null> {
  const row = await base(db).where('ap.action_id', actionId).first(COLUMNS);
  return row ? (await withVotes(db, [row]))[0]! : null;
}

export interface ApprovalGroup {
  cycleId: string;
  type: string;
  count: number;
  /** The most urgent deadline in the group. */
  nextDeadline: string;
  /** How many of the group need more than one approver. */
  needQuorum: number;
}

/** Pending approvals grouped by (cycle, action type), the most urgent group first: what is reviewed together. */
export async function pendingApprovalGroups(db: Queryable): Promise<ApprovalGroup[]> {
  const rows = await db('engine.approvals as ap')
    .join('engine.actions as a', 'a.id', 'ap.action_id')
    .where('ap.status', 'pending')
    .groupBy('a.cycle_id', 'a.type')
    .select(
      'a.cycle_id',
      'a.type',
      db.raw('count(*)::int as n'),
      db.raw('min(ap.deadline) as next_deadline'),
      db.raw('count(*) filter (where ap.required_approvers > 1)::int as need_quorum'),
    )
    .orderByRaw('min(ap.deadline) asc, a.cycle_id asc, a.type asc');
  return rows.map((r: Record<string, any>) => ({
    cycleId: r.cycle_id,
    type: r.type,
    count: Number(r.n),
    nextDeadline: iso(r.next_deadline)!,
    needQuorum: Number(r.need_quorum),
  }));
}

/** Pending approvals matching every given filter (the bulk decision's selection), nearest deadline first. */
export async function pendingApprovalIdsMatching(
  db: Queryable,
  f: { type?: string; cycleId?: string; actionIds?: readonly string[] },
  limit: number,
): Promise<string[]> {
  const q = db('engine.approvals as ap')
    .join('engine.actions as a', 'a.id', 'ap.action_id')
    .where('ap.status', 'pending');
  if (f.type) q.where('a.type', f.type);
  if (f.cycleId) q.where('a.cycle_id', f.cycleId);
  if (f.actionIds) q.whereIn('ap.action_id', f.actionIds);
  return q.orderByRaw('ap.deadline asc, ap.action_id asc').limit(limit).pluck('ap.action_id');
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
  requiredApprovers: number;
  startedBy: string | null;
  escalatedAt: string | null;
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
    requiredApprovers: Number(r.required_approvers ?? 1),
    startedBy: r.started_by ?? null,
    escalatedAt: iso(r.escalated_at),
  };
}

export async function getApprovalRecord(db: Queryable, actionId: string): Promise<ApprovalRecord | null> {
  const row = await db('engine.approvals').where({ action_id: actionId }).first();
  return row ? toApprovalRecord(row) : null;
}

/** Opens the approval row of an action (idempotent); returns whether this call inserted it. */
export async function insertApproval(
  db: Queryable,
  a: {
    actionId: string;
    workflowId: string;
    deadline: Date;
    blast: { users: number; mrrCents: number };
    requiredApprovers: number;
    startedBy: string | null;
  },
): Promise<boolean> {
  const inserted = await db('engine.approvals')
    .insert({
      action_id: a.actionId,
      workflow_id: a.workflowId,
      status: 'pending',
      deadline: a.deadline,
      blast_users: a.blast.users,
      blast_mrr_cents: a.blast.mrrCents,
      required_approvers: a.requiredApprovers,
      started_by: a.startedBy,
    })
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

/** Records votes the workflow numbered (idempotent per (action, seq)); returns the ones this call inserted. */
export async function insertApprovalVotes(
  db: Queryable,
  actionId: string,
  votes: ReadonlyArray<Omit<ApprovalVote, 'at'>>,
): Promise<number[]> {
  if (!votes.length) return [];
  const rows = await db('engine.approval_votes')
    .insert(
      votes.map((v) => ({
        action_id: actionId,
        seq: v.seq,
        operator: v.operator,
        approve: v.approve,
        reason: v.reason,
        counted: v.counted,
        note: v.note,
      })),
    )
    .onConflict(['action_id', 'seq'])
    .ignore()
    .returning('seq');
  return rows.map((r: { seq: number }) => Number(r.seq));
}

/** Marks an approval escalated (once); returns whether this call did. */
export async function markApprovalEscalated(db: Queryable, actionId: string): Promise<boolean> {
  const n = await db('engine.approvals')
    .where({ action_id: actionId, status: 'pending' })
    .whereNull('escalated_at')
    .update({ escalated_at: db.fn.now() });
  return Number(n) > 0;
}
