// engine.slack_approval_messages: where each approval's Slack message is, its reminders and the outcome it shows.
import type { ApprovalRequestView } from '../../platform/slack-approval-message';
import { json, type Queryable } from '../types';

export interface SlackApprovalMessage {
  actionId: string;
  channel: string;
  /** Null while the first post is in flight (claimed, not yet answered). */
  ts: string | null;
  permalink: string | null;
  request: ApprovalRequestView;
  remindersSent: number;
  outcome: string | null;
}

function toMessage(r: Record<string, any>): SlackApprovalMessage {
  return {
    actionId: r.action_id,
    channel: r.channel,
    ts: r.ts ?? null,
    permalink: r.permalink ?? null,
    request: r.request,
    remindersSent: Number(r.reminders_sent),
    outcome: r.outcome ?? null,
  };
}

export async function getSlackApprovalMessage(db: Queryable, actionId: string): Promise<SlackApprovalMessage | null> {
  const row = await db('engine.slack_approval_messages').where({ action_id: actionId }).first();
  return row ? toMessage(row) : null;
}

/** Claims the approval's message before it is posted; returns the row (an existing one untouched). */
export async function claimSlackApprovalMessage(
  db: Queryable,
  actionId: string,
  channel: string,
  request: ApprovalRequestView,
): Promise<SlackApprovalMessage> {
  await db('engine.slack_approval_messages')
    .insert({ action_id: actionId, channel, request: json(request) })
    .onConflict('action_id')
    .ignore();
  return (await getSlackApprovalMessage(db, actionId))!;
}

/** Records where the post landed (Slack answers with the channel's id, which may differ from its name). */
export async function recordSlackApprovalPosted(
  db: Queryable,
  actionId: string,
  posted: { channel: string; ts: string; permalink: string },
): Promise<void> {
  await db('engine.slack_approval_messages')
    .where({ action_id: actionId })
    .update({ channel: posted.channel, ts: posted.ts, permalink: posted.permalink, updated_at: db.fn.now() });
}

/** Counts reminder number `n` as sent, once: false when it already was. */
export async function recordSlackReminder(db: Queryable, actionId: string, n: number): Promise<boolean> {
  const changed = await db('engine.slack_approval_messages')
    .where({ action_id: actionId })
    .where('reminders_sent', '<', n)
    .update({ reminders_sent: n, updated_at: db.fn.now() });
  return changed > 0;
}

export async function recordSlackOutcome(db: Queryable, actionId: string, outcome: string): Promise<void> {
  await db('engine.slack_approval_messages')
    .where({ action_id: actionId })
    .update({ outcome, updated_at: db.fn.now() });
}
