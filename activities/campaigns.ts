// Campaign activities (docs/campaigns.md): make a phase's campaigns from its stored message actions, and the
// campaignRollout workflow's steps: open (and, when needed, await one approval), record the decision, send one
// wave with bounded concurrency, and finish (completed, halted at MaxErrors, cancelled). Each is idempotent:
// a retry after a crash finds the rows an earlier attempt wrote, and the executor never repeats an effect.
import { Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import { posteriorsOf } from '../db/repos/action-stats';
import { appendAudit, appendAuditMany } from '../db/repos/audit';
import { userEmailsOf } from '../db/queries/users';
import {
  campaignRecipientsMrrCents,
  campaignSendableCount,
  campaignStatusCounts,
  campaignTally,
  getCampaign,
  insertCampaign,
  phaseCampaignIds,
  setCampaignProgress,
  transitionCampaign,
  transitionCampaignActions,
  unlinkedMessageActions,
  waveActionIds,
  type CampaignRecord,
} from '../db/repos/campaigns';
import { listActiveFreezeWindows } from '../db/repos/change-freezes';
import { getPolicies } from '../db/repos/config';
import { getCycle } from '../db/repos/cycles';
import { guardrailActionsByType } from '../db/repos/guardrail-results';
import {
  CAMPAIGN_TYPES,
  campaignIdOf,
  campaignStatusOf,
  campaignWorkflowId,
  COHORTS,
  exclusionCounts,
  expectedImpactOf,
  ROLLOUT_OWNED,
  type CampaignStatus,
} from '../engine/campaigns/campaign';
import { quorumReason, requiredApprovers, runStarter } from '../engine/approvals/quorum';
import { waveCutoffs, type RolloutProgress, type RolloutStatus } from '../engine/campaigns/rollout';
import { MESSAGE_TEMPLATES, type MessageActionType } from '../engine/planning/messages';
import { activeFreeze, describeFreeze } from '../engine/safety/change-freeze';
import type { ActionStatus } from '../engine/types';
import type { CycleContext } from './context';
import type { ActivityDeps } from './deps';
import { approvalReminderLeads } from '../engine/approvals/reminder-leads';
import { escalateCampaignApproval, resolveCampaignEscalation } from './effects/approval-escalation';
import { remindCampaignApproval } from './effects/approval-reminders';
import { createEmailRenderer } from './effects/email-templates';
import { NonRetryableError } from './effects/errors';
import { executeAction, type EffectDeps } from './effects/executor';

const PREVIEW_SIZE = 20;
const SENDABLE: readonly ActionStatus[] = ['planned', 'pending_approval'];
const WOULD_SEND: readonly ActionStatus[] = ['planned', 'pending_approval', 'dry_run', 'shadowed'];

function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Outside an activity (a test calling the function): nothing to heartbeat.
  }
}

async function previewOf(db: Knex, type: MessageActionType, userIds: number[]): Promise<CampaignRecord['preview']> {
  const email = await userEmailsOf(db, userIds);
  const recipients = userIds.map((id) => ({ userId: id, email: email.get(id) ?? null }));
  const first = recipients[0];
  if (!first) return { recipients };
  try {
    const rendered = createEmailRenderer().render(MESSAGE_TEMPLATES[type], {
      user: { id: first.userId, email: first.email ?? '' },
      action: { userId: first.userId, template: MESSAGE_TEMPLATES[type] },
      baseUrl: '{{public base url}}',
      unsubscribeUrl: '{{unsubscribe link}}',
    });
    return {
      recipients,
      message: { template: MESSAGE_TEMPLATES[type], subject: rendered.subject, text: rendered.text },
    };
  } catch (err) {
    return { recipients, message: { template: MESSAGE_TEMPLATES[type], error: (err as Error).message } };
  }
}

/**
 * Groups the (cycle, phase)'s message actions into one campaign per type (idempotent), and returns the ids of
 * the phase's campaigns a rollout workflow must own: awaiting approval or admitted, not finished.
 */
export async function ensurePhaseCampaigns(
  deps: Pick<ActivityDeps, 'db'>,
  ctx: CycleContext,
  phase: string,
): Promise<string[]> {
  const { db } = deps;
  const unlinked = await unlinkedMessageActions(db, ctx.cycleId, phase, CAMPAIGN_TYPES);
  const byType = new Map<MessageActionType, typeof unlinked>();
  for (const a of unlinked) {
    const list = byType.get(a.type as MessageActionType) ?? [];
    list.push(a);
    byType.set(a.type as MessageActionType, list);
  }
  if (byType.size) {
    const [policies, posteriors] = await Promise.all([getPolicies(db), posteriorsOf(db, [...byType.keys()])]);
    for (const [type, actions] of byType) {
      const counts: Partial<Record<ActionStatus, number>> = {};
      for (const a of actions) counts[a.status] = (counts[a.status] ?? 0) + 1;
      const decision = campaignStatusOf(counts);
      const wouldSend = actions.filter((a) => WOULD_SEND.includes(a.status));
      const sendable = actions.filter((a) => SENDABLE.includes(a.status)).map((a) => a.id);
      const id = campaignIdOf(ctx.cycleId, phase, type);
      const posterior = posteriors.get(type) ?? { alpha: 1, beta: 1 };
      const campaign = {
        id,
        cycleId: ctx.cycleId,
        phase,
        type,
        status: decision.status,
        statusReason: decision.reason,
        dryRun: ctx.dryRun,
        cohort: COHORTS[type],
        size: actions.length,
        recipients: wouldSend.length,
        heldOut: counts.holdout ?? 0,
        excluded: exclusionCounts(actions.filter((a) => a.status === 'blocked').map((a) => a.failedGate)),
        expectedImpact: { ...expectedImpactOf(wouldSend.length, posterior) },
        preview: await previewOf(
          db,
          type,
          wouldSend.slice(0, PREVIEW_SIZE).map((a) => a.userId),
        ),
        ramp: policies.campaign_rollout.ramp,
      };
      await db.transaction(async (trx) => {
        const inserted = await insertCampaign(trx, campaign, sendable);
        if (inserted)
          await appendAudit(trx, {
            actor: 'engine',
            cycleId: ctx.cycleId,
            event: 'campaign.planned',
            target: id,
            after: {
              type,
              status: campaign.status,
              reason: campaign.statusReason,
              size: campaign.size,
              recipients: campaign.recipients,
              heldOut: campaign.heldOut,
              excluded: campaign.excluded,
              expectedImpact: campaign.expectedImpact,
            },
            dryRun: ctx.dryRun,
            dedupeKey: `campaign.planned:${id}`,
          });
      });
    }
  }
  return ctx.dryRun ? [] : phaseCampaignIds(db, ctx.cycleId, phase, ROLLOUT_OWNED);
}

export interface RolloutPlan {
  campaignId: string;
  type: string;
  status: CampaignStatus;
  needsApproval: boolean;
  /** Cumulative seq at the end of each wave. */
  cutoffs: number[];
  total: number;
  maxConcurrency: number;
  maxErrorRate: number;
  waveIntervalSeconds: number;
  /** The approval's wait, from the policy (the workflow reads no clock). */
  timeoutSeconds: number;
  deadline: string | null;
  /** The campaign's progress so far, when an earlier run of the rollout got somewhere. */
  progress: Partial<RolloutProgress>;
  /** Distinct approvals the campaign needs (policy approval_quorum on its recipients and their MRR). */
  requiredApprovers: number;
  /** Who started the live run by hand (may not approve it), or null for a schedule. */
  startedBy: string | null;
  /** Share of the wait after which a still-pending campaign is escalated to admins (null: never). */
  escalateAtFraction: number | null;
  /** Seconds before the deadline at which to remind the operators, largest first. */
  reminderLeadsSeconds: number[];
}

function workflowPatch(status: CampaignStatus, workflowId: string, deadline: Date | undefined) {
  return { status, workflowId, ...(deadline ? { deadline } : {}) };
}

export function campaignActivities(deps: ActivityDeps) {
  const { db } = deps;
  const effectDeps: EffectDeps = {
    db,
    payments: deps.payments,
    messenger: deps.messenger,
    now: deps.clock,
    appWriteBlocked: deps.appWriteBlocked,
  };
  const mustGet = async (campaignId: string) => {
    const c = await getCampaign(db, campaignId);
    if (!c) throw new NonRetryableError(`campaign ${campaignId} does not exist`, 'not_found');
    return c;
  };
  const audit = (c: CampaignRecord, event: string, actor: string, after: unknown) =>
    appendAudit(db, {
      actor,
      cycleId: c.cycleId,
      event,
      target: c.id,
      after,
      dryRun: c.dryRun,
      dedupeKey: `${event}:${c.id}`,
    });

  return {
    /** What the rollout needs to know, read once; records the workflow (and the approval's deadline) on the row. */
    openCampaignRollout: async (input: { campaignId: string }): Promise<RolloutPlan> => {
      const c = await mustGet(input.campaignId);
      if (c.dryRun) throw new NonRetryableError(`campaign ${c.id} is a dry run: nothing is sent`, 'dry_run');
      const policies = await getPolicies(db);
      const rollout = policies.campaign_rollout;
      const total = await campaignSendableCount(db, c.id);
      const timeoutSeconds = policies.approval.deadlineHours * 3600;
      const needsApproval = c.status === 'pending_approval';
      // The blast radius: the recipients who would be sent to, and the MRR of their live subscriptions.
      const blast = { users: total, mrrCents: await campaignRecipientsMrrCents(db, c.id) };
      const required = requiredApprovers(blast, policies.approval_quorum);
      const startedBy = runStarter(await getCycle(db, c.cycleId));
      const deadline =
        needsApproval && !c.deadline ? new Date(deps.clock().getTime() + timeoutSeconds * 1000) : undefined;
      await transitionCampaign(db, c.id, [c.status], workflowPatch(c.status, campaignWorkflowId(c.id), deadline));
      if (needsApproval)
        await audit(c, 'campaign.approval_opened', 'engine', {
          deadline: (deadline ?? new Date(c.deadline!)).toISOString(),
          recipients: c.recipients,
          blastRadius: blast,
          requiredApprovers: required,
          quorum: quorumReason(blast, policies.approval_quorum),
          startedBy,
        });
      const waitSeconds = c.deadline
        ? Math.max(1, Math.round((Date.parse(c.deadline) - deps.clock().getTime()) / 1000))
        : timeoutSeconds;
      return {
        campaignId: c.id,
        type: c.type,
        status: c.status,
        needsApproval,
        cutoffs: waveCutoffs(total, c.ramp.length ? c.ramp : rollout.ramp),
        total,
        maxConcurrency: rollout.maxConcurrency,
        maxErrorRate: rollout.maxErrorRate,
        waveIntervalSeconds: rollout.waveIntervalSeconds,
        timeoutSeconds: waitSeconds,
        deadline: (deadline?.toISOString() ?? c.deadline) || null,
        progress: c.progress,
        requiredApprovers: required,
        startedBy,
        escalateAtFraction: policies.approval.escalateAtFraction,
        // Leads from the whole wait (not what is left of it), so a resumed rollout keeps the same reminders.
        reminderLeadsSeconds: approvalReminderLeads(timeoutSeconds, policies.approval.reminderLeadsHours).filter(
          (lead) => lead < waitSeconds,
        ),
      };
    },

    /** The campaign's one decision: its waiting recipients follow it. The first decision wins. */
    decideCampaign: async (input: {
      campaignId: string;
      decision: 'approved' | 'rejected' | 'expired';
      operator: string | null;
      reason: string | null;
    }): Promise<{ changed: boolean; status: CampaignStatus }> => {
      const c = await mustGet(input.campaignId);
      const by = input.operator?.trim() || null;
      const why =
        input.decision === 'expired'
          ? `campaign approval expired: ${input.reason ?? 'no decision before the deadline'}`
          : `campaign ${input.decision} by ${by ?? 'unknown'}${input.reason ? `: ${input.reason}` : ''}`;
      const changed = await db.transaction(async (trx) => {
        const moved = await transitionCampaign(trx, c.id, ['pending_approval'], {
          status: input.decision,
          reason: why,
          decidedBy: by,
          decisionReason: input.reason,
        });
        if (!moved) return false;
        if (input.decision === 'approved') {
          await transitionCampaignActions(trx, c.id, ['pending_approval'], 'approved', why);
        } else {
          await transitionCampaignActions(trx, c.id, ['pending_approval', 'planned'], input.decision, why);
        }
        await appendAudit(trx, {
          actor: by ?? 'engine',
          cycleId: c.cycleId,
          event: `campaign.${input.decision}`,
          target: c.id,
          before: { status: 'pending_approval' },
          after: { status: input.decision, operator: by, reason: input.reason },
          dryRun: c.dryRun,
          dedupeKey: `campaign.${input.decision}:${c.id}`,
        });
        return true;
      });
      // Decided or expired: an escalation it had resolves (a no-op when it had none).
      await resolveCampaignEscalation(db, c.id, deps.clock());
      return { changed, status: (await mustGet(c.id)).status };
    },

    /**
     * Sends one wave: the campaign's runnable actions with seq in (afterSeq, uptoSeq], maxConcurrency at a time,
     * each through the executor (gates re-checked, effect keyed, audited). Heartbeats its progress, so a retried
     * attempt after a crash starts from what is still runnable: nothing is sent twice.
     */
    runCampaignWave: async (input: {
      campaignId: string;
      wave: number;
      afterSeq: number;
      uptoSeq: number;
      maxConcurrency: number;
    }): Promise<{ executed: number; failed: number; blocked: number; deliveryFailed: number }> => {
      const c = await mustGet(input.campaignId);
      if (c.status === 'approved') {
        await transitionCampaign(db, c.id, ['approved'], {
          status: 'running',
          reason: `wave ${input.wave + 1} sending`,
        });
        await audit(c, 'campaign.started', 'engine', { waves: c.ramp.length });
      }
      const ids = await waveActionIds(db, c.id, input.afterSeq, input.uptoSeq);
      let next = 0;
      let done = 0;
      const worker = async () => {
        while (next < ids.length) {
          const id = ids[next++]!;
          await executeAction(effectDeps, id);
          done += 1;
          heartbeat({ wave: input.wave, done, of: ids.length });
        }
      };
      // Also on a timer, so one slow send (a provider call bounded by its own timeout) never looks like a dead worker.
      const timer = setInterval(() => heartbeat({ wave: input.wave, done, of: ids.length }), 2_000);
      try {
        await Promise.all(Array.from({ length: Math.max(1, Math.min(input.maxConcurrency, ids.length)) }, worker));
      } finally {
        clearInterval(timer);
      }
      return campaignTally(db, c.id);
    },

    /** Records the rollout's progress on the row, and running ↔ paused with who and why. */
    recordCampaignProgress: async (input: {
      progress: RolloutProgress;
      transition?: { to: 'paused' | 'running'; operator: string; reason: string };
    }): Promise<void> => {
      const c = await mustGet(input.progress.campaignId);
      await setCampaignProgress(db, c.id, input.progress);
      const t = input.transition;
      if (t) {
        const from: CampaignStatus[] = t.to === 'paused' ? ['running', 'approved'] : ['paused'];
        const moved = await transitionCampaign(db, c.id, from, {
          status: t.to,
          reason: `${t.to === 'paused' ? 'paused' : 'resumed'} by ${t.operator}: ${t.reason}`,
        });
        if (moved)
          await appendAudit(db, {
            actor: t.operator,
            cycleId: c.cycleId,
            event: t.to === 'paused' ? 'campaign.paused' : 'campaign.resumed',
            target: c.id,
            after: { operator: t.operator, reason: t.reason, wave: input.progress.wave },
            dryRun: c.dryRun,
          });
      }
    },

    /**
     * Ends the rollout: completed, halted (MaxErrors) or cancelled; recipients not reached yet end blocked with
     * the reason, so every admitted action finishes with a status.
     */
    finishCampaign: async (input: {
      progress: RolloutProgress;
      status: Extract<RolloutStatus, 'completed' | 'halted' | 'cancelled'>;
      reason: string;
      operator?: string;
    }): Promise<{ status: CampaignStatus; unreached: number }> => {
      const c = await mustGet(input.progress.campaignId);
      const actor = input.operator ?? 'engine';
      const why =
        input.status === 'completed'
          ? input.reason
          : `campaign ${input.status}${input.operator ? ` by ${input.operator}` : ''}: ${input.reason}`;
      const unreached = await db.transaction(async (trx) => {
        const moved = await transitionCampaign(trx, c.id, ['approved', 'running', 'paused'], {
          status: input.status,
          reason: why,
        });
        const ids = await transitionCampaignActions(trx, c.id, ['planned', 'approved'], 'blocked', why);
        if (moved)
          await appendAudit(trx, {
            actor,
            cycleId: c.cycleId,
            event: `campaign.${input.status}`,
            target: c.id,
            after: { reason: input.reason, unreached: ids.length, progress: input.progress },
            dryRun: c.dryRun,
            dedupeKey: `campaign.${input.status}:${c.id}`,
          });
        return ids.length;
      });
      await setCampaignProgress(db, c.id, { ...input.progress, status: input.status });
      return { status: (await mustGet(c.id)).status, unreached };
    },

    /**
     * What holds the next wave back: a change freeze in force (wait until it ends; nothing is sent, nothing
     * blocked), or the type's guardrails (a minor breach pauses the rollout, a major one cancels it).
     */
    campaignWaveGate: async (input: {
      campaignId: string;
    }): Promise<{
      freeze: { reason: string; waitSeconds: number } | null;
      pause: string | null;
      cancel: string | null;
    }> => {
      const c = await mustGet(input.campaignId);
      const [windows, guardrails] = await Promise.all([listActiveFreezeWindows(db), guardrailActionsByType(db)]);
      const now = deps.clock();
      const f = activeFreeze(windows, now);
      const g = guardrails.get(c.type);
      return {
        freeze: f
          ? {
              reason: `${describeFreeze(f)}: the rollout waits`,
              waitSeconds: Math.max(1, Math.ceil((f.endsAt.getTime() - now.getTime()) / 1000)),
            }
          : null,
        pause: g?.action === 'pause' ? `guardrail breach: ${g.reason}` : null,
        cancel: g?.action === 'cancel_and_demote' ? `guardrail breach: ${g.reason}` : null,
      };
    },

    /** Records the votes the rollout counted or refused (quorum, self-approval), and the approvals so far. */
    recordCampaignVotes: async (input: {
      campaignId: string;
      votes: Array<{ operator: string; approve: boolean; outcome: string; reason: string; comment: string }>;
      approvals: { required: number; approvers: string[] };
    }): Promise<void> => {
      const c = await mustGet(input.campaignId);
      await db.transaction(async (trx) => {
        await appendAuditMany(
          trx,
          input.votes.map((v) => ({
            actor: v.operator,
            cycleId: c.cycleId,
            event: v.outcome === 'refused' ? 'campaign.vote_refused' : 'campaign.vote',
            target: c.id,
            after: v,
            dryRun: c.dryRun,
          })),
        );
        await setCampaignProgress(trx, c.id, { ...c.progress, approvals: input.approvals });
      });
    },

    /** Escalates a campaign still waiting for its approval late in the wait: a high finding, paged at once. */
    escalateCampaignApproval: (input: { campaignId: string; approvals: { required: number; approvers: string[] } }) =>
      escalateCampaignApproval(
        { db, alertChannels: deps.alertChannels, now: deps.clock },
        input.campaignId,
        input.approvals,
      ),

    /** The `reminder`-th reminder of a campaign still waiting for its approval (idempotent per reminder). */
    remindCampaignApproval: (input: {
      campaignId: string;
      reminder: number;
      approvals: { required: number; approvers: string[] };
    }) =>
      remindCampaignApproval(
        { db, alertChannels: deps.alertChannels, now: deps.clock },
        input.campaignId,
        input.reminder,
        input.approvals,
      ),

    /** Per status: the campaign's actions (the workflow's progress query and the api show them). */
    campaignCounts: (input: { campaignId: string }) => campaignStatusCounts(db, input.campaignId),
  };
}
