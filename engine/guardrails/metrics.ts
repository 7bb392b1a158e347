// Guardrail metrics (docs/safety.md#guardrails): what each message type must not make worse, measured on its
// treated actions against its holdout over the type's outcome window. Every metric counts a bad event per
// action (an action "has" the event when at least one happened to its user in [executed_at, executed_at +
// window]); a higher rate among the treated is harm. Support load is not among them: the data contract has
// no support-ticket table.
import { OUTCOME_RULES } from '../learning/outcomes';
import { MESSAGE_TEMPLATES, type MessageActionType } from '../planning/messages';

export const GUARDRAIL_METRICS = ['unsubscribe', 'complaint', 'churn', 'downgrade'] as const;
export type GuardrailMetric = (typeof GUARDRAIL_METRICS)[number];

/**
 * The metrics each message type declares. Every message can be unsubscribed from or reported, and every one
 * reaches users who may pay; a nudge goes to users still onboarding, who have no plan to downgrade from.
 */
export const GUARDRAILS_BY_TYPE: Record<MessageActionType, readonly GuardrailMetric[]> = {
  retention_campaign: ['unsubscribe', 'complaint', 'churn', 'downgrade'],
  proactive_retention: ['unsubscribe', 'complaint', 'churn', 'downgrade'],
  upgrade_offer: ['unsubscribe', 'complaint', 'churn', 'downgrade'],
  onboarding_nudge: ['unsubscribe', 'complaint', 'churn'],
};

export const GUARDRAIL_TYPES = Object.keys(MESSAGE_TEMPLATES) as MessageActionType[];

/** The window a type's guardrails are measured over: its outcome window. */
export function guardrailWindowMs(type: MessageActionType): number {
  return OUTCOME_RULES[type].windowMs;
}
