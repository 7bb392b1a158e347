// Escalation of an approval still pending late in its wait (docs/safety.md#approvals): once per approval it
// is raised as a high finding (detector approvals) and paged through the alert path right away, on the
// channels the alert policy routes a high finding to, with the routing's own dedupe keys so the monitor's
// alert run sees the page as made and later sends its resolve. The finding resolves with the decision.
import type { Knex } from 'knex';
import { getAction } from '../../db/repos/actions';
import { getApproval, markApprovalEscalated } from '../../db/repos/approvals';
import { appendAudit } from '../../db/repos/audit';
import { getCampaign, type CampaignRecord } from '../../db/repos/campaigns';
import { getPolicies } from '../../db/repos/config';
import { raiseFinding, resolveFinding, type FindingRecord } from '../../db/repos/findings';
import { deliverAlert } from '../alerts/deliver';
import type { AlertChannel } from '../alerts/port';
import { isNonRetryable, NonRetryableError } from './errors';

export const escalationFingerprint = (actionId: string) => `approvals:escalated:${actionId}`;

export interface EscalationResult {
  escalated: boolean;
  /** Channels the page went out on (or was already delivered on). */
  channels: string[];
}

export async function escalateApproval(
  deps: { db: Knex; alertChannels?: ReadonlyMap<string, AlertChannel>; now: () => Date },
  actionId: string,
): Promise<EscalationResult> {
  const { db } = deps;
  const approval = await getApproval(db, actionId);
  if (!approval) throw new NonRetryableError(`action ${actionId} has no approval`, 'not_found');
  if (approval.status !== 'pending') return { escalated: false, channels: [] };
  const action = (await getAction(db, actionId))!;
  const first = await markApprovalEscalated(db, actionId);
  // Decided in the meantime: nothing to page. Escalated by an earlier attempt: page again, under the same keys.
  if (!first && approval.escalatedAt === null) return { escalated: false, channels: [] };
  const at = deps.now();
  const votes = `${approval.approvedBy.length} of ${approval.requiredApprovers} approvals`;
  const title = `Approval of ${action.type} on ${action.targetType} ${action.targetId} expires ${approval.deadline} (${votes}): decide or it expires`;
  const finding: FindingRecord = await raiseFinding(db, {
    fingerprint: escalationFingerprint(actionId),
    detector: 'approvals',
    kind: 'approval_escalated',
    category: 'issue',
    severity: 'high',
    confidence: 1,
    title,
    evidence: {
      count: 1,
      sampleIds: [actionId],
      actionId,
      type: action.type,
      deadline: approval.deadline,
      approvedBy: approval.approvedBy,
      requiredApprovers: approval.requiredApprovers,
    },
    cycleId: action.cycleId,
    at,
    dryRun: action.dryRun,
    dedupeKey: `finding.opened:approval-escalation:${actionId}`,
  });
  if (first)
    await appendAudit(db, {
      actor: 'engine',
      cycleId: action.cycleId,
      event: 'approval.escalated',
      target: actionId,
      after: {
        deadline: approval.deadline,
        approvedBy: approval.approvedBy,
        required: approval.requiredApprovers,
        title,
      },
      dryRun: action.dryRun,
      dedupeKey: `approval.escalated:${actionId}`,
    });
  const channels = await pageAtOnce(deps, finding, { cycleId: action.cycleId, at, dryRun: action.dryRun });
  return { escalated: true, channels };
}

/** The approval was decided or expired: its escalation finding, if any, resolves. */
export async function resolveEscalation(db: Knex, actionId: string, now: Date): Promise<boolean> {
  const action = await getAction(db, actionId);
  if (!action) return false;
  return resolveFinding(db, escalationFingerprint(actionId), {
    cycleId: action.cycleId,
    at: now,
    dryRun: action.dryRun,
    dedupeKey: `finding.resolved:approval-escalation:${actionId}`,
  });
}

/**
 * Pages a finding right away on the channels the alert policy routes its severity to. `kind` and `key` follow
 * the routing's dedupe keys (trigger:0, remind:0:k), so the monitor's alert run sees the page as made.
 */
export async function pageAtOnce(
  deps: { db: Knex; alertChannels?: ReadonlyMap<string, AlertChannel> },
  finding: FindingRecord,
  ctx: { cycleId: string; at: Date; dryRun: boolean },
  page: { kind: 'trigger' | 'remind'; key: string } = { kind: 'trigger', key: 'trigger:0' },
): Promise<string[]> {
  const { db } = deps;
  const routed = (await getPolicies(db)).alerts.routes[finding.severity];
  const channels = routed.filter((c) => deps.alertChannels?.has(c));
  for (const channel of channels) {
    try {
      await deliverAlert(
        { db, channels: deps.alertChannels! },
        {
          channel,
          alert: {
            kind: page.kind,
            // The routing's keys (engine/alerts/routing.ts): one page per episode and reminder.
            dedupeKey: `${finding.fingerprint}:${channel}:${page.key}`,
            finding: {
              id: finding.id,
              fingerprint: finding.fingerprint,
              title: finding.title,
              severity: finding.severity,
              detector: finding.detector,
              kind: finding.kind,
              confidence: finding.confidence,
              evidence: finding.evidence as Record<string, unknown>,
              firstSeenAt: finding.firstSeenAt,
              lastSeenAt: finding.lastSeenAt,
            },
            cycleId: ctx.cycleId,
            at: ctx.at.toISOString(),
            dryRun: ctx.dryRun,
          },
        },
      );
    } catch (err) {
      // A channel that refuses is recorded failed by deliverAlert; an outage is retried by Temporal.
      if (!isNonRetryable(err)) throw err;
    }
  }
  return channels;
}

/** The finding of a campaign's pending approval (its escalation or its reminder), evidence naming the campaign. */
export function raiseCampaignApprovalFinding(
  db: Knex,
  c: CampaignRecord,
  approvals: { required: number; approvers: string[] },
  f: { fingerprint: string; kind: string; severity: 'high' | 'medium'; title: string; at: Date; dedupeKey: string },
): Promise<FindingRecord> {
  return raiseFinding(db, {
    fingerprint: f.fingerprint,
    detector: 'approvals',
    kind: f.kind,
    category: 'issue',
    severity: f.severity,
    confidence: 1,
    title: f.title,
    evidence: { count: 1, sampleIds: [c.id], campaignId: c.id, type: c.type, deadline: c.deadline, ...approvals },
    cycleId: c.cycleId,
    at: f.at,
    dryRun: c.dryRun,
    dedupeKey: f.dedupeKey,
  });
}

export const campaignEscalationFingerprint = (campaignId: string) => `approvals:escalated:campaign:${campaignId}`;
/** The medium finding a campaign's reminders raise while it waits (activities/effects/approval-reminders.ts). */
export const campaignReminderFingerprint = (campaignId: string) => `approvals:awaiting:campaign:${campaignId}`;

/**
 * A campaign still waiting for its approval late in the wait: raised once as a high finding and paged like an
 * action's escalation (a retried attempt pages again under the same keys, which the delivery dedupes).
 */
export async function escalateCampaignApproval(
  deps: { db: Knex; alertChannels?: ReadonlyMap<string, AlertChannel>; now: () => Date },
  campaignId: string,
  approvals: { required: number; approvers: string[] },
): Promise<EscalationResult> {
  const { db } = deps;
  const c = await getCampaign(db, campaignId);
  if (!c) throw new NonRetryableError(`campaign ${campaignId} does not exist`, 'not_found');
  if (c.status !== 'pending_approval') return { escalated: false, channels: [] };
  const at = deps.now();
  const title =
    `Approval of the ${c.type} campaign of cycle ${c.cycleId} (${c.recipients} recipients) expires ${c.deadline} ` +
    `(${approvals.approvers.length} of ${approvals.required} approvals): decide or it expires`;
  const finding = await raiseCampaignApprovalFinding(db, c, approvals, {
    fingerprint: campaignEscalationFingerprint(c.id),
    kind: 'approval_escalated',
    severity: 'high',
    title,
    at,
    dedupeKey: `finding.opened:approval-escalation:campaign:${c.id}`,
  });
  await appendAudit(db, {
    actor: 'engine',
    cycleId: c.cycleId,
    event: 'campaign.escalated',
    target: c.id,
    after: { deadline: c.deadline, ...approvals, title },
    dryRun: c.dryRun,
    dedupeKey: `campaign.escalated:${c.id}`,
  });
  return { escalated: true, channels: await pageAtOnce(deps, finding, { cycleId: c.cycleId, at, dryRun: c.dryRun }) };
}

/** The campaign was decided or expired: its escalation and reminder findings, if any, resolve. */
export async function resolveCampaignEscalation(db: Knex, campaignId: string, now: Date): Promise<boolean> {
  const c = await getCampaign(db, campaignId);
  if (!c) return false;
  const ctx = { cycleId: c.cycleId, at: now, dryRun: c.dryRun };
  const reminder = await resolveFinding(db, campaignReminderFingerprint(campaignId), {
    ...ctx,
    dedupeKey: `finding.resolved:approval-reminder:campaign:${campaignId}`,
  });
  const escalation = await resolveFinding(db, campaignEscalationFingerprint(campaignId), {
    ...ctx,
    dedupeKey: `finding.resolved:approval-escalation:campaign:${campaignId}`,
  });
  return reminder || escalation;
}
