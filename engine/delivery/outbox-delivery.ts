// What happens to an outbox message after one delivery attempt: pure, so the relay activity only reads and writes.

/** How an attempt went, as the relay classified the transport's answer. */
export type AttemptResult =
  | { kind: 'delivered'; providerMessageId: string }
  /** A refusal no retry can change: a permanent (5xx) SMTP reply, a 4xx webhook answer, no address. */
  | { kind: 'permanent'; error: string }
  /** An outage, a timeout, a transient refusal, or a misconfiguration an operator can fix: retry later. */
  | { kind: 'transient'; error: string };

export interface RetrySettings {
  maxAttempts: number;
  /** Delay before the 2nd attempt; it doubles per attempt up to maxDelaySeconds. */
  baseDelaySeconds: number;
  maxDelaySeconds: number;
}

export type DeliveryVerdict =
  | { status: 'delivered'; providerMessageId: string }
  | { status: 'bounced'; error: string }
  | { status: 'failed'; error: string }
  | { status: 'queued'; error: string; retryInSeconds: number };

/** Exponential backoff: base × 2^(attempts-1), capped; `attempts` counts the attempts made so far (≥ 1). */
export function retryDelaySeconds(attempts: number, s: Pick<RetrySettings, 'baseDelaySeconds' | 'maxDelaySeconds'>) {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(s.baseDelaySeconds * 2 ** exponent, s.maxDelaySeconds);
}

/** The message's status after its `attempts`-th attempt ended with `result`. */
export function deliveryVerdict(result: AttemptResult, attempts: number, s: RetrySettings): DeliveryVerdict {
  if (result.kind === 'delivered') return { status: 'delivered', providerMessageId: result.providerMessageId };
  if (result.kind === 'permanent') return { status: 'bounced', error: result.error };
  if (attempts >= s.maxAttempts) return { status: 'failed', error: `after ${attempts} attempts: ${result.error}` };
  return { status: 'queued', error: result.error, retryInSeconds: retryDelaySeconds(attempts, s) };
}
