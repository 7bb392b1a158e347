// Deterministic identities (docs/safety.md idempotency): the id of an action and, for an executable action,
// the one effect it performs with its idempotency key, derived from the action's natural target. The
// engine.effects unique key on it is what makes a retried or re-driven execution unable to repeat it.
import { MESSAGE_TEMPLATES, isMessageType } from '../planning/messages';
import { normalizeEmail } from '../planning/email';
import type { ActionType } from '../types';
import { ValidationError } from './errors';

/** Action ids derive from cycle, type and target, so a retried pipeline inserts nothing twice. */
export function actionIdOf(cycleId: string, type: ActionType, targetId: string): string {
  return `${cycleId}:${type}:${targetId}`;
}

export type EffectPort = 'payments' | 'messenger' | 'data';

/** Which port performs an action type's effect; null = the engine has no automated effect for it. */
export function effectPortOf(type: ActionType): EffectPort | null {
  if (type === 'retry_payment') return 'payments';
  if (type === 'cancel_orphaned_subscription' || type === 'normalize_email') return 'data';
  if (isMessageType(type)) return 'messenger';
  return null;
}

/** Message-sending types: the contact cap and quiet hours apply to them. */
export function isMessageAction(type: ActionType): boolean {
  return isMessageType(type);
}

export type EffectTarget =
  | { port: 'payments'; kind: 'retry_payment'; key: string; target: string; paymentId: number; attempt: number }
  | { port: 'data'; kind: 'cancel_subscription'; key: string; target: string; subscriptionId: number }
  | {
      port: 'data';
      kind: 'normalize_email';
      key: string;
      target: string;
      userId: number;
      fromEmail: string;
      toEmail: string;
    }
  | { port: 'messenger'; kind: 'message'; key: string; target: string; userId: number; template: string };

export interface ExecutableAction {
  id: string;
  type: ActionType;
  targetId: string;
  params: Record<string, unknown>;
}

function positiveId(value: unknown, what: string, actionId: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) {
    throw new ValidationError(
      `Action ${actionId}: ${what} must be a positive integer id, got ${JSON.stringify(value)}`,
      [{ path: what, message: 'not an id' }],
    );
  }
  return n;
}

/**
 * The effect of an action, with its idempotency key:
 *   retry_payment                 retry_payment:<paymentId>:attempt:<attempt as planned (attempt_count + 1)>
 *   cancel_orphaned_subscription  cancel_subscription:<subscriptionId>
 *   normalize_email               normalize_email:<userId>
 *   messages                      message:<template>:<userId>:<actionId>
 * null for types without an automated effect. ValidationError when the plan lacks what the effect needs.
 */
export function effectTargetOf(action: ExecutableAction): EffectTarget | null {
  const p = action.params ?? {};
  switch (action.type) {
    case 'retry_payment': {
      const paymentId = positiveId(p.paymentId ?? action.targetId, 'paymentId', action.id);
      const attempt = p.attempt;
      if (typeof attempt !== 'number' || !Number.isSafeInteger(attempt) || attempt < 2) {
        // Without the planned attempt number the key would depend on the payment's current row, which the
        // retry itself changes: a re-drive would compute a new key and could charge twice.
        throw new ValidationError(
          `Action ${action.id}: retry_payment needs params.attempt (the planned attempt number, ≥ 2), got ${JSON.stringify(attempt)}`,
          [{ path: 'attempt', message: 'missing or invalid' }],
        );
      }
      return {
        port: 'payments',
        kind: 'retry_payment',
        key: `retry_payment:${paymentId}:attempt:${attempt}`,
        target: `payment:${paymentId}`,
        paymentId,
        attempt,
      };
    }
    case 'cancel_orphaned_subscription': {
      const subscriptionId = positiveId(p.subscriptionId ?? action.targetId, 'subscriptionId', action.id);
      return {
        port: 'data',
        kind: 'cancel_subscription',
        key: `cancel_subscription:${subscriptionId}`,
        target: `subscription:${subscriptionId}`,
        subscriptionId,
      };
    }
    case 'normalize_email': {
      const userId = positiveId(p.userId ?? action.targetId, 'userId', action.id);
      if (typeof p.fromEmail !== 'string') {
        throw new ValidationError(
          `Action ${action.id}: normalize_email needs params.fromEmail (the address it was planned on)`,
          [{ path: 'fromEmail', message: 'missing' }],
        );
      }
      const toEmail = normalizeEmail(p.fromEmail);
      if (p.email !== undefined && p.email !== toEmail) {
        throw new ValidationError(
          `Action ${action.id}: params.email ${JSON.stringify(p.email)} is not lower(btrim(fromEmail)) = ${JSON.stringify(toEmail)}`,
          [{ path: 'email', message: 'does not match the normalization' }],
        );
      }
      return {
        port: 'data',
        kind: 'normalize_email',
        key: `normalize_email:${userId}`,
        target: `user:${userId}`,
        userId,
        fromEmail: p.fromEmail,
        toEmail,
      };
    }
    default: {
      if (!isMessageType(action.type)) return null;
      const userId = positiveId(p.userId ?? action.targetId, 'userId', action.id);
      const template =
        typeof p.template === 'string' && p.template.trim() ? p.template : MESSAGE_TEMPLATES[action.type];
      return {
        port: 'messenger',
        kind: 'message',
        key: `message:${template}:${userId}:${action.id}`,
        target: `user:${userId}`,
        userId,
        template,
      };
    }
  }
}
