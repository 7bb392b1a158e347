// The approval workflow's Slack activities: post the request with Approve / Reject buttons (once per approval:
// the row is claimed first and a retry that finds the ts posts nothing), remind in its thread before the
// deadline, and update it with the outcome read from engine.approvals. Each effect is audited once.
import { getAction } from '../../db/repos/actions';
import { getApprovalRecord } from '../../db/repos/approvals';
import { appendAudit } from '../../db/repos/audit';
import {
  claimSlackApprovalMessage,
  getSlackApprovalMessage,
  recordSlackApprovalPosted,
  recordSlackOutcome,
  recordSlackReminder,
} from '../../db/repos/slack-approval-messages';
import {
  buildApprovalOutcomeMessage,
  buildApprovalReminderMessage,
  buildApprovalRequestMessage,
  slackPermalink,
  type ApprovalOutcome,
  type ApprovalRequestView,
} from '../../platform/slack-approval-message';
import type { ActivityDeps } from '../deps';
import { NonRetryableError } from '../effects/errors';

export interface SlackStepResult {
  /** Whether this call changed anything in Slack; false when Slack is off or it was done before. */
  sent: boolean;
  permalink: string | null;
}

const SKIPPED: SlackStepResult = { sent: false, permalink: null };

async function requestView(deps: ActivityDeps, actionId: string, approvalsUrl: string): Promise<ApprovalRequestView> {
  const [action, approval] = await Promise.all([getAction(deps.db, actionId), getApprovalRecord(deps.db, actionId)]);
  if (!action || !approval) throw new NonRetryableError(`action ${actionId} has no approval`, 'not_found');
  return {
    actionId,
    actionType: action.type,
    summary: `${action.type.replace(/_/g, ' ')} for ${action.targetType} ${action.targetId}`,
    reason: action.statusReason ?? 'below its confidence gate',
    confidence: action.confidence,
    deadline: approval.deadline,
    approvalsUrl,
  };
}

export function slackApprovalActivities(deps: ActivityDeps) {
  const audit = async (actionId: string, event: string, after: Record<string, unknown>, dedupeKey: string) => {
    const action = await getAction(deps.db, actionId);
    await appendAudit(deps.db, {
      actor: 'engine',
      cycleId: action?.cycleId ?? null,
      event,
      target: actionId,
      after,
      dryRun: action?.dryRun ?? false,
      dedupeKey,
    });
  };

  return {
    postApprovalToSlack: async (input: { actionId: string }): Promise<SlackStepResult> => {
      const slack = deps.slack;
      if (!slack) return SKIPPED;
      const view = await requestView(deps, input.actionId, slack.approvalsUrl);
      const claimed = await claimSlackApprovalMessage(deps.db, input.actionId, slack.channel, view);
      if (claimed.ts) return { sent: false, permalink: claimed.permalink };
      // A crash between Slack's answer and the update below posts again on the retry: at least once, rarely twice.
      const posted = await slack.api.postMessage({ channel: claimed.channel, ...buildApprovalRequestMessage(view) });
      const permalink = slackPermalink(slack.workspaceUrl, posted.channel, posted.ts);
      await recordSlackApprovalPosted(deps.db, input.actionId, { ...posted, permalink });
      await audit(
        input.actionId,
        'approval.slack_posted',
        { ...posted, permalink },
        `approval.slack_posted:${input.actionId}`,
      );
      return { sent: true, permalink };
    },

    remindApprovalInSlack: async (input: { actionId: string; reminder: number }): Promise<SlackStepResult> => {
      const slack = deps.slack;
      if (!slack) return SKIPPED;
      const [message, approval] = await Promise.all([
        getSlackApprovalMessage(deps.db, input.actionId),
        getApprovalRecord(deps.db, input.actionId),
      ]);
      if (!message?.ts || approval?.status !== 'pending' || message.remindersSent >= input.reminder)
        return { sent: false, permalink: message?.permalink ?? null };
      await slack.api.postMessage({
        channel: message.channel,
        threadTs: message.ts,
        ...buildApprovalReminderMessage(message.request),
      });
      await recordSlackReminder(deps.db, input.actionId, input.reminder);
      await audit(
        input.actionId,
        'approval.slack_reminded',
        { channel: message.channel, threadTs: message.ts, reminder: input.reminder },
        `approval.slack_reminded:${input.actionId}:${input.reminder}`,
      );
      return { sent: true, permalink: message.permalink };
    },

    updateApprovalInSlack: async (input: { actionId: string }): Promise<SlackStepResult> => {
      const slack = deps.slack;
      if (!slack) return SKIPPED;
      const [message, approval] = await Promise.all([
        getSlackApprovalMessage(deps.db, input.actionId),
        getApprovalRecord(deps.db, input.actionId),
      ]);
      if (!message?.ts || !approval || approval.status === 'pending')
        return { sent: false, permalink: message?.permalink ?? null };
      const outcome: ApprovalOutcome = approval.status;
      // chat.update is idempotent: a retry rewrites the same message.
      await slack.api.update({
        channel: message.channel,
        ts: message.ts,
        ...buildApprovalOutcomeMessage(message.request, {
          outcome,
          operator: approval.decidedBy,
          reason: approval.reason,
          at: approval.decidedAt,
        }),
      });
      await recordSlackOutcome(deps.db, input.actionId, outcome);
      await audit(
        input.actionId,
        'approval.slack_updated',
        { channel: message.channel, ts: message.ts, outcome },
        `approval.slack_updated:${input.actionId}:${outcome}`,
      );
      return { sent: true, permalink: message.permalink };
    },
  };
}
