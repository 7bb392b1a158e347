// Parses a Slack interaction request (block_actions from an approval message's Approve / Reject buttons) into
// the engine's approval decision: which action, approve or reject, and the Slack user who clicked.
import { z } from 'zod';
import { ValidationError } from '../engine/safety/errors';
import { SLACK_APPROVE_ACTION_ID, SLACK_REJECT_ACTION_ID } from '../platform/slack-approval-message';

const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  actions: z
    .array(
      z.object({
        action_id: z.enum([SLACK_APPROVE_ACTION_ID, SLACK_REJECT_ACTION_ID]),
        value: z.string().min(1).max(200),
        action_ts: z.string().optional(),
      }),
    )
    .min(1),
  response_url: z.url().optional(),
  channel: z.object({ id: z.string() }).optional(),
  message: z.object({ ts: z.string() }).optional(),
});

export interface SlackApprovalDecision {
  actionId: string;
  decision: 'approve' | 'reject';
  slackUserId: string;
  slackUserName: string | null;
  /** Where to post the updated message (valid 30 minutes, up to 5 times). */
  responseUrl: string | null;
  channelId: string | null;
  messageTs: string | null;
}

/** Takes the raw application/x-www-form-urlencoded body (`payload=<json>`); throws ValidationError (400). */
export function parseSlackApprovalInteraction(rawBody: string): SlackApprovalDecision {
  const payload = new URLSearchParams(rawBody).get('payload');
  if (payload == null) {
    throw new ValidationError('a Slack interaction must be a form with a payload field', [
      { path: 'payload', message: 'missing' },
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    throw new ValidationError('the Slack interaction payload is not JSON', [{ path: 'payload', message: 'not JSON' }]);
  }
  const parsed = blockActionsSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: ['payload', ...i.path].join('.'), message: i.message }));
    throw new ValidationError(
      `not an approval button click: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const p = parsed.data;
  const action = p.actions[0]!;
  return {
    actionId: action.value,
    decision: action.action_id === SLACK_APPROVE_ACTION_ID ? 'approve' : 'reject',
    slackUserId: p.user.id,
    slackUserName: p.user.username ?? p.user.name ?? null,
    responseUrl: p.response_url ?? null,
    channelId: p.channel?.id ?? null,
    messageTs: p.message?.ts ?? null,
  };
}
