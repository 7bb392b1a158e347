// Soft/hard classification of card decline codes (docs/detectors.md), shared by the billing detector's SQL
// (as a parameter) and the retry planner, so both always agree on what may be retried.

/** Hard declines: retrying cannot succeed (or is forbidden) until the customer acts, e.g. updates the card. */
export const HARD_DECLINE_CODES = [
  'stolen_card',
  'lost_card',
  'fraudulent',
  'pickup_card',
  'restricted_card',
  'security_violation',
  'invalid_account',
  'expired_card',
  'incorrect_number',
  'card_not_supported',
  'do_not_try_again',
  'revocation_of_authorization',
  'revocation_of_all_authorizations',
  'stop_payment_order',
] as const;

export type DeclineClass = 'hard' | 'soft';

/** The label a payment without a failure code is reported under (it counts as a soft decline). */
export const MISSING_DECLINE_CODE = 'generic';

const HARD = new Set<string>(HARD_DECLINE_CODES);

/**
 * Providers are not consistent about case and padding; the SQL side applies the same rule
 * (coalesce(nullif(lower(btrim(code)), ''), 'generic')).
 */
export function normalizeDeclineCode(code: string | null | undefined): string {
  const norm = (code ?? '').trim().toLowerCase();
  return norm === '' ? MISSING_DECLINE_CODE : norm;
}

/** Everything not listed as hard is soft, including unknown codes and a missing code. */
export function classifyDecline(code: string | null | undefined): DeclineClass {
  return HARD.has(normalizeDeclineCode(code)) ? 'hard' : 'soft';
}

export function isRetryableDecline(code: string | null | undefined): boolean {
  return classifyDecline(code) === 'soft';
}
