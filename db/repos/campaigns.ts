// engine.campaigns: a phase's message actions of one type, decided and rolled out as one (docs/campaigns.md).
// Creating a phase's campaigns is idempotent (one row per (cycle, phase, type), actions linked once), so a
// retried phase finds what an earlier attempt stored.
import type { Knex } from 'knex';
import type { CampaignStatus } from '../../engine/campaigns/campaign';
import type { RolloutProgress } from '../../engine/campaigns/rollout';
import type { ActionStatus } from '../../engine/types';
import { iso, json, type Queryable } from '../types';

export interface CampaignRecord {
  id: string;
  cycleId: string;
  phase: string;
  type: string;
  status: CampaignStatus;
  statusReason: string | null;
  dryRun: boolean;
  cohort: { definition: string; kpi: string };
  size: number;
  recipients: number;
  heldOut: number;
  excluded: Record<string, number>;
  expectedImpact: Record<string, unknown>;
  preview: { recipients?: Array<{ userId: number; email: string | null }>; message?: Record<string, string> };
  ramp: number[];
  progress: Partial<RolloutProgress>;
  workflowId: string | null;
  deadline: string | null;
  decidedBy: string | null;
  decisionReason: string | null;
  decidedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

function toRecord(r: Record<string, any>): CampaignRecord {
  return {
    id: r.id,
    cycleId: r.cycle_id,
    phase: r.phase,
    type: r.type,
    status: r.status,
    statusReason: r.status_reason ?? null,
    dryRun: Boolean(r.dry_run),
    cohort: r.cohort,
    size: Number(r.size),
    recipients: Number(r.recipients),
    heldOut: Number(r.held_out),
    excluded: r.excluded ?? {},
    expectedImpact: r.expected_impact ?? {},
    preview: r.preview ?? {},
    ramp: r.ramp ?? [],
    progress: r.progress ?? {},
    workflowId: r.workflow_id ?? null,
    deadline: iso(r.deadline),
    decidedBy: r.decided_by ?? null,
    decisionReason: r.decision_reason ?? null,
    decidedAt: iso(r.decided_at),
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

export type NewCampaign = Omit<
  CampaignRecord,
  'progress' | 'workflowId' | 'deadline' | 'decidedBy' | 'decisionReason' | 'decidedAt' | 'createdAt' | 'updatedAt'
>;

/** A phase's message actions not linked to a campaign yet (what campaigns are made of). */
export async function unlinkedMessageActions(
  db: Queryable,
  cycleId: string,
  phase: string,
  types: readonly string[],
): Promise<Array<{ id: string; type: string; status: ActionStatus; failedGate: string | null; userId: number }>> {
  const { rows } = await db.raw(
    `SELECT a.id, a.type, a.status, a.target_id, a.params,
            -- A failed confidence gate asks for approval; what blocks is another gate.
            (SELECT g.gate FROM engine.gate_decisions g
              WHERE g.action_id = a.id AND NOT g.passed ORDER BY (g.gate = 'confidence'), g.id LIMIT 1) AS failed_gate
       FROM engine.actions a
      WHERE a.cycle_id = ? AND a.phase = ? AND a.type = ANY(?::text[]) AND a.campaign_id IS NULL
      -- User ids in numeric order (ids are text): the send order and the preview read naturally.
      ORDER BY length(a.target_id), a.target_id`,
    [cycleId, phase, [...types]],
  );
  return rows.map((r: Record<string, any>) => ({
    id: r.id,
    type: r.type,
    status: r.status,
    failedGate: r.failed_gate ?? null,
    userId: Number(r.params?.userId ?? r.target_id),
  }));
}

/**
 * Stores a campaign and links its actions: every action of the (cycle, phase, type) gets the campaign id, and
 * the sendable ones (planned or awaiting approval) their place in the send order, by action id. Idempotent.
 */
export async function insertCampaign(
  trx: Knex.Transaction,
  c: NewCampaign,
  sendable: readonly string[],
): Promise<boolean> {
  const inserted = await trx('engine.campaigns')
    .insert({
      id: c.id,
      cycle_id: c.cycleId,
      phase: c.phase,
      type: c.type,
      status: c.status,
      status_reason: c.statusReason,
      dry_run: c.dryRun,
      cohort: json(c.cohort),
      size: c.size,
      recipients: c.recipients,
      held_out: c.heldOut,
      excluded: json(c.excluded),
      expected_impact: json(c.expectedImpact),
      preview: json(c.preview),
      ramp: json(c.ramp),
    })
    .onConflict('id')
    .ignore()
    .returning('id');
  await trx('engine.actions')
    .where({ cycle_id: c.cycleId, phase: c.phase, type: c.type })
    .whereNull('campaign_id')
    .update({ campaign_id: c.id });
  if (sendable.length) {
    await trx.raw(
      `UPDATE engine.actions a SET campaign_seq = s.seq
         FROM unnest(?::text[]) WITH ORDINALITY AS s(id, seq)
        WHERE a.id = s.id AND a.campaign_id = ? AND a.campaign_seq IS NULL`,
      [[...sendable], c.id],
    );
  }
  return inserted.length > 0;
}

export async function getCampaign(db: Queryable, id: string): Promise<CampaignRecord | null> {
  const row = await db('engine.campaigns').where({ id }).first();
  return row ? toRecord(row) : null;
}

export async function listCampaigns(
  db: Queryable,
  filter: { cycleId?: string; status?: readonly string[]; type?: string; limit?: number } = {},
): Promise<CampaignRecord[]> {
  const q = db('engine.campaigns').orderBy([
    { column: 'created_at', order: 'desc' },
    { column: 'id', order: 'asc' },
  ]);
  if (filter.cycleId) q.where({ cycle_id: filter.cycleId });
  if (filter.type) q.where({ type: filter.type });
  if (filter.status?.length) q.whereIn('status', [...filter.status]);
  const rows = await q.limit(filter.limit ?? 100);
  return rows.map(toRecord);
}

/** Ids of a (cycle, phase)'s campaigns in the given statuses. */
export async function phaseCampaignIds(
  db: Queryable,
  cycleId: string,
  phase: string,
  statuses: readonly CampaignStatus[],
): Promise<string[]> {
  return db('engine.campaigns')
    .where({ cycle_id: cycleId, phase })
    .whereIn('status', [...statuses])
    .orderBy('id')
    .pluck('id');
}

/** Moves a campaign from one of `from` to `to`; false when it was elsewhere (a repeated or late transition). */
export async function transitionCampaign(
  db: Queryable,
  id: string,
  from: readonly CampaignStatus[],
  to: {
    status: CampaignStatus;
    reason?: string | null;
    decidedBy?: string | null;
    /** The operator's own words (status_reason says what happened). */
    decisionReason?: string | null;
    workflowId?: string;
    deadline?: Date;
  },
): Promise<boolean> {
  const patch: Record<string, unknown> = { status: to.status, updated_at: db.fn.now() };
  if (to.reason !== undefined) patch.status_reason = to.reason;
  if (to.decidedBy !== undefined) {
    patch.decided_by = to.decidedBy;
    patch.decision_reason = to.decisionReason ?? null;
    patch.decided_at = db.fn.now();
  }
  if (to.workflowId !== undefined) patch.workflow_id = to.workflowId;
  if (to.deadline !== undefined) patch.deadline = to.deadline;
  const n = await db('engine.campaigns')
    .where({ id })
    .whereIn('status', [...from])
    .update(patch);
  return n > 0;
}

export async function setCampaignProgress(
  db: Queryable,
  id: string,
  progress: Partial<RolloutProgress>,
): Promise<void> {
  await db('engine.campaigns')
    .where({ id })
    .update({ progress: json(progress), updated_at: db.fn.now() });
}

/** Moves every campaign action in `from` to `to` with a reason (the campaign's decision, halt or cancel). */
export async function transitionCampaignActions(
  db: Queryable,
  campaignId: string,
  from: readonly ActionStatus[],
  to: ActionStatus,
  reason: string,
): Promise<string[]> {
  return db('engine.actions')
    .where({ campaign_id: campaignId })
    .whereIn('status', [...from])
    .update({ status: to, status_reason: reason })
    .returning('id')
    .then((rows: Array<{ id: string }>) => rows.map((r) => r.id));
}

/** The sendable actions with seq in (afterSeq, uptoSeq] still to run, in send order. */
export async function waveActionIds(
  db: Queryable,
  campaignId: string,
  afterSeq: number,
  uptoSeq: number,
): Promise<string[]> {
  return db('engine.actions')
    .where({ campaign_id: campaignId })
    .where('campaign_seq', '>', afterSeq)
    .where('campaign_seq', '<=', uptoSeq)
    .whereIn('status', ['planned', 'approved'])
    .orderBy('campaign_seq')
    .pluck('id');
}

/**
 * Sends so far, for the error rate: executed and failed actions, and executed ones whose message then failed
 * or bounced in delivery (known once the relay has tried it).
 */
export async function campaignTally(
  db: Queryable,
  campaignId: string,
): Promise<{ executed: number; failed: number; blocked: number; deliveryFailed: number }> {
  const { rows } = await db.raw(
    `SELECT count(*) FILTER (WHERE a.status = 'executed')::int AS executed,
            count(*) FILTER (WHERE a.status = 'failed')::int AS failed,
            count(*) FILTER (WHERE a.status = 'blocked')::int AS blocked,
            count(*) FILTER (WHERE a.status = 'executed' AND EXISTS (
              SELECT 1 FROM engine.effects e JOIN engine.outbox o ON o.idempotency_key = e.idempotency_key
               WHERE e.action_id = a.id AND o.status IN ('failed','bounced')))::int AS delivery_failed
       FROM engine.actions a
      WHERE a.campaign_id = ? AND a.campaign_seq IS NOT NULL`,
    [campaignId],
  );
  const r = rows[0] ?? {};
  return {
    executed: Number(r.executed ?? 0),
    failed: Number(r.failed ?? 0),
    blocked: Number(r.blocked ?? 0),
    deliveryFailed: Number(r.delivery_failed ?? 0),
  };
}

/** Per status: a campaign's actions. */
export async function campaignStatusCounts(db: Queryable, campaignId: string): Promise<Record<string, number>> {
  const rows = await db('engine.actions')
    .where({ campaign_id: campaignId })
    .groupBy('status')
    .select('status')
    .count({ n: '*' });
  return Object.fromEntries(rows.map((r: Record<string, any>) => [r.status, Number(r.n)]));
}

/** The campaign's sendable recipients (those with a place in the send order). */
export async function campaignSendableCount(db: Queryable, campaignId: string): Promise<number> {
  const row = await db('engine.actions')
    .where({ campaign_id: campaignId })
    .whereNotNull('campaign_seq')
    .max({ n: 'campaign_seq' })
    .first();
  return Number(row?.n ?? 0);
}

/** The MRR of the live subscriptions of the campaign's sendable recipients, in cents (its blast radius). */
export async function campaignRecipientsMrrCents(db: Queryable, campaignId: string): Promise<number> {
  const { rows } = await db.raw(
    `SELECT coalesce(sum(s.mrr_cents), 0)::bigint AS mrr FROM app.subscriptions s
      WHERE s.status IN ('active', 'trialing', 'past_due') AND s.user_id IN (
        SELECT (a.params->>'userId')::bigint FROM engine.actions a
         WHERE a.campaign_id = ? AND a.campaign_seq IS NOT NULL)`,
    [campaignId],
  );
  return Number(rows[0]?.mrr ?? 0);
}

/** The given campaigns split by whether they wait for an operator (what the cycle starts rollouts for). */
export async function campaignsByApproval(
  db: Queryable,
  ids: readonly string[],
): Promise<{ admitted: string[]; awaitingApproval: string[] }> {
  const rows: Array<{ id: string; status: string }> = await db('engine.campaigns')
    .whereIn('id', [...ids])
    .orderBy('id')
    .select('id', 'status');
  return {
    admitted: rows.filter((r) => r.status !== 'pending_approval').map((r) => r.id),
    awaitingApproval: rows.filter((r) => r.status === 'pending_approval').map((r) => r.id),
  };
}
