// Reads of engine.approvals joined with the action each one is about.
import type { Knex } from 'knex';
import type { ApprovalStatus } from '../../workflows/definitions';
import type { ActionDto } from '../../api/schemas/common';
import { toActionDto } from './action-reads';
import { iso } from '../types';

export interface ApprovalDto {
  actionId: string;
  workflowId: string;
  status: ApprovalStatus;
  deadline: string;
  decidedBy: string | null;
  reason: string | null;
  decidedAt: string | null;
  createdAt: string;
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
    action: toActionDto(r),
  };
}

function base(db: Knex) {
  return db('engine.approvals as ap').join('engine.actions as a', 'a.id', 'ap.action_id');
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
];

export async function listApprovals(
  db: Knex,
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

export async function getApproval(db: Knex, actionId: string): Promise<ApprovalDto | null> {
  const row = await base(db).where('ap.action_id', actionId).first(COLUMNS);
  return row ? toApprovalDto(row) : null;
}
