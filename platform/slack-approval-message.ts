// The Slack Block Kit messages of an approval (pure): the request with Approve / Reject buttons whose value is
// the engine's action id, and the same message after the decision, buttons replaced by who decided.
// Shared by the worker (which posts the request) and the api (which receives the click and updates it).

/** action_id of the two buttons; api/slack-interaction.ts accepts exactly these. */
export const SLACK_APPROVE_ACTION_ID = 'floyo_approve';
export const SLACK_REJECT_ACTION_ID = 'floyo_reject';

export interface ApprovalRequestView {
  actionId: string;
  actionType: string;
  /** What the action does, e.g. "Retry payment 123 (4,200 ¢)". */
  summary: string;
  /** The gate's reason it needs an operator. */
  reason: string;
  confidence: number;
  /** When the approval expires (ISO 8601). */
  deadline: string;
  /** The dashboard's approvals page. */
  approvalsUrl: string;
}

export interface SlackBlocksMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

function details(v: ApprovalRequestView): Array<Record<string, unknown>> {
  return [
    { type: 'section', text: { type: 'mrkdwn', text: clip(`*Approval needed:* ${v.summary}`, 3000) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Action*\n${v.actionType}` },
        { type: 'mrkdwn', text: `*Confidence*\n${Math.round(v.confidence * 100)}%` },
        { type: 'mrkdwn', text: clip(`*Why it waits*\n${v.reason}`, 2000) },
        { type: 'mrkdwn', text: `*Expires*\n${v.deadline}` },
      ],
    },
  ];
}

export function buildApprovalRequestMessage(v: ApprovalRequestView): SlackBlocksMessage {
  return {
    text: clip(`Approval needed: ${v.summary}`, 3000),
    blocks: [
      ...details(v),
      {
        type: 'actions',
        block_id: `approval:${v.actionId}`.slice(0, 255),
        elements: [
          {
            type: 'button',
            action_id: SLACK_APPROVE_ACTION_ID,
            style: 'primary',
            text: { type: 'plain_text', text: 'Approve' },
            value: v.actionId,
          },
          {
            type: 'button',
            action_id: SLACK_REJECT_ACTION_ID,
            style: 'danger',
            text: { type: 'plain_text', text: 'Reject' },
            value: v.actionId,
            confirm: {
              title: { type: 'plain_text', text: 'Reject this action?' },
              text: { type: 'plain_text', text: 'It will not run.' },
              confirm: { type: 'plain_text', text: 'Reject' },
              deny: { type: 'plain_text', text: 'Cancel' },
            },
          },
          { type: 'button', text: { type: 'plain_text', text: 'Open approvals' }, url: v.approvalsUrl },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `action \`${v.actionId}\`` }] },
    ],
  };
}

/** The request after a decision: same details, no buttons, and who decided (a Slack mention) and when. */
export function buildApprovalDecidedMessage(
  v: ApprovalRequestView,
  d: { decision: 'approve' | 'reject'; slackUserId: string; decidedAt: string },
): SlackBlocksMessage {
  const verdict = d.decision === 'approve' ? ':white_check_mark: Approved' : ':no_entry: Rejected';
  const line = `${verdict} by <@${d.slackUserId}> at ${d.decidedAt}`;
  return {
    text: clip(`${verdict.replace(/^:\S+: /, '')}: ${v.summary}`, 3000),
    blocks: [
      ...details(v),
      { type: 'section', text: { type: 'mrkdwn', text: line } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `action \`${v.actionId}\`` }] },
    ],
  };
}

export type ApprovalOutcome = 'approved' | 'rejected' | 'expired' | 'executed' | 'failed';

const OUTCOME_LINE: Record<ApprovalOutcome, string> = {
  approved: ':white_check_mark: Approved',
  rejected: ':no_entry: Rejected',
  expired: ':hourglass: Expired without a decision',
  executed: ':white_check_mark: Approved and executed',
  failed: ':warning: Approved, but the execution failed',
};

/**
 * The request once the approval workflow has an outcome, whoever decided (Slack, the api, the CLI): same
 * details, no buttons, the outcome with the operator and reason.
 */
export function buildApprovalOutcomeMessage(
  v: ApprovalRequestView,
  o: { outcome: ApprovalOutcome; operator: string | null; reason: string | null; at: string | null },
): SlackBlocksMessage {
  const by = o.operator ? ` by ${o.operator}` : '';
  const when = o.at ? ` at ${o.at}` : '';
  const why = o.reason ? `\n>${clip(o.reason, 500)}` : '';
  const headline = `${OUTCOME_LINE[o.outcome]}${by}${when}`;
  return {
    text: clip(`${headline.replace(/^:\S+: /, '')}: ${v.summary}`, 3000),
    blocks: [
      ...details(v),
      { type: 'section', text: { type: 'mrkdwn', text: clip(`${headline}${why}`, 3000) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `action \`${v.actionId}\`` }] },
    ],
  };
}

/** A reminder in the request's thread: the deadline is near and nobody has decided yet. */
export function buildApprovalReminderMessage(v: ApprovalRequestView): SlackBlocksMessage {
  const text = `:alarm_clock: Still waiting for a decision: ${v.summary}. It expires at ${v.deadline}.`;
  return { text: clip(text, 3000), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: clip(text, 3000) } }] };
}

/** A message's permalink from its channel and ts (Slack's `/archives/<channel>/p<ts without the dot>`). */
export function slackPermalink(workspaceUrl: string, channel: string, ts: string): string {
  return `${workspaceUrl.replace(/\/+$/, '')}/archives/${encodeURIComponent(channel)}/p${ts.replace('.', '')}`;
}
