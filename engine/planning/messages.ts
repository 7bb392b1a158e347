// Message actions (one email/in-app message to one user): their templates, and the rule that a user gets
// at most one message per phase. Across phases and cycles the per-user contact cap is the gates' job;
// the planners only avoid planning two messages to one user themselves.
import type { ActionPlan, ActionType } from '../types';

export const MESSAGE_TEMPLATES = {
  proactive_retention: 'proactive_retention_v1',
  retention_campaign: 'retention_campaign_v1',
  onboarding_nudge: 'onboarding_nudge_v1',
  upgrade_offer: 'upgrade_offer_v1',
} as const satisfies Partial<Record<ActionType, string>>;

export type MessageActionType = keyof typeof MESSAGE_TEMPLATES;

/**
 * Which message wins when one user qualifies for several, first = highest. Keeping a customer comes
 * before growing one: a user about to churn gets the retention message, not the upsell; a user still
 * onboarding gets the nudge before any offer.
 */
export const MESSAGE_PRIORITY: readonly MessageActionType[] = [
  'proactive_retention',
  'retention_campaign',
  'onboarding_nudge',
  'upgrade_offer',
];

export function isMessageType(type: ActionType): type is MessageActionType {
  return Object.prototype.hasOwnProperty.call(MESSAGE_TEMPLATES, type);
}

function isMessagePlan(p: ActionPlan): boolean {
  return p.targetType === 'user' && isMessageType(p.type);
}

/**
 * One message per user: for each user keeps the plan of the highest-priority type (the first of that
 * type when listed twice) and drops the others. Other plans, and the order of what is kept, are unchanged.
 */
export function dedupeMessagesByUser(plans: readonly ActionPlan[]): ActionPlan[] {
  const rank = (p: ActionPlan) => MESSAGE_PRIORITY.indexOf(p.type as MessageActionType);
  const winner = new Map<string, ActionPlan>();
  for (const p of plans) {
    if (!isMessagePlan(p)) continue;
    const current = winner.get(p.targetId);
    if (!current || rank(p) < rank(current)) winner.set(p.targetId, p);
  }
  return plans.filter((p) => !isMessagePlan(p) || winner.get(p.targetId) === p);
}

/**
 * Drops messages to users an earlier phase of the same cycle already planned a message for (pass their
 * user ids). Needed because an action's id derives from cycle, type and target: two phases planning the
 * same campaign for one user would collide, and the user would be asked twice.
 */
export function excludeUsers(
  plans: readonly ActionPlan[],
  userIds: Iterable<string | number> | undefined,
): ActionPlan[] {
  if (!userIds) return [...plans];
  const skip = new Set<string>();
  for (const id of userIds) skip.add(String(id));
  return plans.filter((p) => !isMessagePlan(p) || !skip.has(p.targetId));
}

/** User ids of the message plans: what a later phase passes to excludeUsers. */
export function messagedUserIds(plans: readonly ActionPlan[]): string[] {
  return plans.filter(isMessagePlan).map((p) => p.targetId);
}
