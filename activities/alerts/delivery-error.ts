// The retryable failure of an alert delivery (a 5xx, a 429, a timeout, a refused connection): Temporal retries
// it with the same dedupe key. A 4xx is a NonRetryableError instead: the request itself is wrong.
export class AlertDeliveryError extends Error {
  override readonly name = 'AlertDeliveryError';
  readonly channel: string;
  /** The provider's HTTP status; absent for a network failure. */
  readonly httpStatus?: number;
  /** Seconds the provider asked to wait (Retry-After), when it said. */
  readonly retryAfterSeconds?: number;

  constructor(message: string, opts: { channel: string; httpStatus?: number; retryAfterSeconds?: number }) {
    super(message);
    this.channel = opts.channel;
    this.httpStatus = opts.httpStatus;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}
