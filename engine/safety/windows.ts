// The look-back windows of the counting gates: where the contact cap and the circuit breaker start
// counting. Both have no upper bound, so a logical now in the past only widens them.
import type { Policies } from './config-schema';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** The first instant whose outbox messages count against a user's contact cap (policy contact_cap.windowDays). */
export function contactWindowStart(now: Date, policies: Pick<Policies, 'contact_cap'>): Date {
  return new Date(now.getTime() - policies.contact_cap.windowDays * DAY_MS);
}

/** The first instant whose failed effects count towards a type's circuit breaker (circuit_breaker.windowMinutes). */
export function breakerWindowStart(now: Date, policies: Pick<Policies, 'circuit_breaker'>): Date {
  return new Date(now.getTime() - policies.circuit_breaker.windowMinutes * MINUTE_MS);
}
