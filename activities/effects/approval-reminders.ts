// Reminders of a campaign still waiting for its approval before the deadline (docs/campaigns.md#approval): the
// first raises a medium finding "waiting for approval" and pages it on the channels the alert policy routes
// medium findings to; each later one re-pages it as a reminder. Idempotent per (campaign, reminder): a retried
// attempt pages under the same dedupe keys and audits under the same key. The finding resolves with the decision.
import type { Knex } from 'knex';
import { appendAudit } from '../../db/repos/audit';
import { getCampaign } from '../../db/repos/campaigns';
import type { AlertChannel } from '../alerts/port';
import { campaignReminderFingerprint, pageAtOnce, raiseCampaignApprovalFinding } from './approval-escalation';
import { NonRetryableError } from './errors';

export interface ReminderResult {
  reminded: boolean;
  /** Channels the reminder went out on (or was already delivered on). */
  channels: string[];
}

export async function remindCampaignApproval(
  deps: { db: Knex; alertChannels?: ReadonlyMap<string, AlertChannel>; now: () => Date },
  campaignId: string,
  reminder: number,
  approvals: { required: number; approvers: string[] },
): Promise<ReminderResult> {
  const { db } = deps;
  if (!Number.isInteger(reminder) || reminder < 1)
    throw new NonRetryableError(`reminder must be a whole number from 1, got ${reminder}`, 'invalid_input');
  const c = await getCampaign(db, campaignId);
  if (!c) throw new NonRetryableError(`campaign ${campaignId} does not exist`, 'not_found');
  // Decided (or cancelled) in the meantime: nothing to remind of.
  if (c.status !== 'pending_approval') return { reminded: false, channels: [] };
  const at = deps.now();
  const title =
    `The ${c.type} campaign of cycle ${c.cycleId} (${c.recipients} recipients) waits for approval until ` +
    `${c.deadline} (${approvals.approvers.length} of ${approvals.required} approvals)`;
  const finding = await raiseCampaignApprovalFinding(db, c, approvals, {
    fingerprint: campaignReminderFingerprint(c.id),
    kind: 'approval_reminder',
    severity: 'medium',
    title,
    at,
    dedupeKey: `finding.opened:approval-reminder:campaign:${c.id}`,
  });
  await appendAudit(db, {
    actor: 'engine',
    cycleId: c.cycleId,
    event: 'campaign.approval_reminded',
    target: c.id,
    after: { reminder, deadline: c.deadline, ...approvals },
    dryRun: c.dryRun,
    dedupeKey: `campaign.approval_reminded:${c.id}:${reminder}`,
  });
  // The routing's keys: the first reminder is the finding's trigger, the k-th after it its k-th reminder.
  const page =
    reminder === 1
      ? { kind: 'trigger' as const, key: 'trigger:0' }
      : { kind: 'remind' as const, key: `remind:0:${reminder - 1}` };
  const channels = await pageAtOnce(deps, finding, { cycleId: c.cycleId, at, dryRun: c.dryRun }, page);
  return { reminded: true, channels };
}
