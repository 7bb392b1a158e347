// The recipient gate, checked right before a message is sent: the user exists, is not deleted, has not
// opted out of marketing in the platform (app.users.marketing_opt_out) and is not on the engine's
// suppression list (one-click unsubscribe, complaint, bounce, an operator). Pure: the executor reads the facts.
import type { GateOutcome } from '../types';

export interface RecipientFacts {
  deletedAt: Date | string | null;
  marketingOptOut: boolean;
  /** The suppression covering the user's address or id, if any. */
  suppression: { reason: string; source: string; createdAt: string } | null;
}

export function recipientGate(userId: number, recipient: RecipientFacts | null): GateOutcome {
  const blocked = (reason: string, details?: Record<string, unknown>): GateOutcome => ({
    gate: 'recipient',
    passed: false,
    reason: `recipient: ${reason}`,
    ...(details ? { details } : {}),
  });
  if (!recipient) return blocked(`user ${userId} does not exist`);
  if (recipient.deletedAt != null) return blocked(`user ${userId} is deleted`);
  if (recipient.marketingOptOut) return blocked(`user ${userId} opted out of marketing messages`);
  const s = recipient.suppression;
  if (s)
    return blocked(`user ${userId}'s address is suppressed (${s.reason} via ${s.source} at ${s.createdAt})`, {
      suppression: s,
    });
  return { gate: 'recipient', passed: true, reason: `user ${userId} is reachable` };
}
