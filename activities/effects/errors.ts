// Errors of the effect layer. NonRetryableError marks a refusal that no retry can change (a hard decline,
// a payment that is no longer failed, an action that must not run): the workflows list its name in
// nonRetryableErrorTypes, and the executor records it as a failed action instead of retrying.
import { ValidationError } from '../../engine/safety/errors';

export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError';
  /** A short machine-readable cause, e.g. 'hard_decline', 'not_failed', 'dry_run'. */
  readonly code: string;

  constructor(message: string, code = 'refused') {
    super(message);
    this.code = code;
  }
}

/** The error names no retry can fix: the workflows' nonRetryableErrorTypes and isNonRetryable below. */
export const NON_RETRYABLE_ERROR_TYPES: readonly string[] = [ValidationError.name, NonRetryableError.name];

export function isNonRetryable(err: unknown): err is Error & { code?: string } {
  const name = (err as { name?: string } | null)?.name;
  return name !== undefined && NON_RETRYABLE_ERROR_TYPES.includes(name);
}

/**
 * An upstream the effect depends on is unavailable or overloaded (network error, 5xx, rate limit): retrying later
 * with the same idempotency key is safe and expected. Temporal retries it; the api maps it to 503.
 */
export class UpstreamUnavailableError extends Error {
  override readonly name = 'UpstreamUnavailableError';
  /** Which upstream, e.g. 'stripe', 'smtp', 'webhook'. */
  readonly upstream: string;
  /** How long the upstream asked us to wait, when it said. */
  readonly retryAfterSeconds: number | null;

  constructor(upstream: string, message: string, retryAfterSeconds: number | null = null) {
    super(message);
    this.upstream = upstream;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
