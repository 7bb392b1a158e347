// The ports through which the engine changes the world (docs/architecture.md hexagonal): payments, messages and
// data fixes. Every request carries the effect's idempotency key; an adapter given a key it has already
// handled returns the recorded result instead of acting again.

export interface PaymentRetryRequest {
  paymentId: number;
  amountCents: number;
  idempotencyKey: string;
  /** The provider's object for the payment (app.payments.provider_ref), for gateways that act on it. */
  providerRef?: string | null;
}

export interface PaymentRetryResult {
  status: 'succeeded' | 'failed';
  providerRef: string;
  /** The decline code when the retry failed. */
  failureCode?: string;
  /** The card network's advice on a decline (e.g. Mastercard merchant advice code '03'), when the provider gives it. */
  adviceCode?: string;
  /** The card network's raw response code on a decline (e.g. Visa '05'), when the provider gives it. */
  networkDeclineCode?: string;
}

export interface PaymentGateway {
  /** Retries a failed payment once. Throws NonRetryableError for a hard decline (never retried). */
  retryPayment(req: PaymentRetryRequest): Promise<PaymentRetryResult>;
}

export interface MessageRequest {
  userId: number;
  template: string;
  payload: Record<string, unknown>;
  idempotencyKey: string;
}

export interface Messenger {
  /** Queues one message; the same key returns the same message id. */
  send(req: MessageRequest): Promise<{ messageId: string }>;
}

/** The result of a data fix: what the record looked like before and after (null when it does not exist). */
export interface DataFixResult {
  status: 'succeeded' | 'failed';
  /** Whether this call changed the record (false: already in the fixed state, or the fix did not apply). */
  changed: boolean;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** Why a fix failed. */
  reason?: string;
}

export interface DataFixer {
  /** Cancels a subscription that is still active (orphaned: its user is missing or deleted). */
  cancelSubscription(req: { subscriptionId: number; canceledAt: Date; idempotencyKey: string }): Promise<DataFixResult>;
  /** Sets a user's email to lower(btrim(email)) while it is still the address the fix was planned on. */
  normalizeEmail(req: {
    userId: number;
    fromEmail: string;
    toEmail: string;
    idempotencyKey: string;
  }): Promise<DataFixResult>;
}
