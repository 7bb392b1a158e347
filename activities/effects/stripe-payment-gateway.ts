// The Stripe PaymentGateway: retries a failed payment through Stripe's API with the official SDK.
//
// What it retries comes from the payment's provider_ref: an invoice (in_…) is paid (POST /v1/invoices/:id/pay),
// a PaymentIntent (pi_…) is confirmed (POST /v1/payment_intents/:id/confirm), both off-session. Every call
// carries the effect's idempotency key as Stripe's Idempotency-Key, so a re-driven effect replays Stripe's
// recorded answer instead of charging again. Outcomes:
//   paid invoice / succeeded PaymentIntent          → succeeded, providerRef = the Stripe object id
//   card error (402)                                → failed, failureCode = decline_code (else code), with the
//                                                     network's advice and raw decline codes when present
//   any other settled state (open, requires_action) → failed, failureCode = '<object>_<status>'
//   network error, 5xx, rate limit (429)            → UpstreamUnavailableError (retryable, same key)
//   authentication (401) / permission (403)         → NonRetryableError "Stripe rejected STRIPE_API_KEY: …"
//   invalid request, idempotency conflict           → NonRetryableError (a retry would be refused the same way)
// It does not write app.payments: the settled outcome is returned and recorded on the effect by the executor.
import Stripe from 'stripe';
import { NonRetryableError, UpstreamUnavailableError } from './errors';
import type { PaymentGateway, PaymentRetryRequest, PaymentRetryResult } from './ports';

export interface StripePaymentGatewayOptions {
  /** A secret or restricted key (sk_… / rk_…) allowed to pay invoices and confirm PaymentIntents. */
  apiKey: string;
  /** Base URL of the API, e.g. http://127.0.0.1:12111 for stripe-mock; defaults to https://api.stripe.com. */
  apiBase?: string;
  /** Per-request timeout; defaults to 20 s (an activity's start-to-close timeout should exceed it). */
  timeoutMs?: number;
  /** Retries inside the SDK (same idempotency key); defaults to 0 because Temporal's retry policy owns retries. */
  maxNetworkRetries?: number;
  /** Pins the Stripe API version; defaults to the SDK's own. */
  apiVersion?: string;
}

export type StripeRetryTarget = { kind: 'invoice'; id: string } | { kind: 'payment_intent'; id: string };

/** What a provider_ref names: an invoice or a PaymentIntent; anything else cannot be retried through Stripe. */
export function stripeRetryTarget(paymentId: number, providerRef: string | null | undefined): StripeRetryTarget {
  const ref = (providerRef ?? '').trim();
  if (/^in_[A-Za-z0-9]+$/.test(ref)) return { kind: 'invoice', id: ref };
  if (/^pi_[A-Za-z0-9]+$/.test(ref)) return { kind: 'payment_intent', id: ref };
  throw new NonRetryableError(
    `payment ${paymentId} has provider_ref ${ref ? JSON.stringify(ref) : 'none'}: a Stripe retry needs an invoice (in_…) or a PaymentIntent (pi_…)`,
    'unsupported_provider_ref',
  );
}

/** The outcome of a paid (or not) invoice. */
export function settledInvoice(invoice: Pick<Stripe.Invoice, 'id' | 'status'>): PaymentRetryResult {
  return invoice.status === 'paid'
    ? { status: 'succeeded', providerRef: invoice.id! }
    : { status: 'failed', providerRef: invoice.id!, failureCode: `invoice_${invoice.status ?? 'unknown'}` };
}

/** The outcome of a confirmed (or not) PaymentIntent, with the decline details of its last error. */
export function settledPaymentIntent(
  pi: Pick<Stripe.PaymentIntent, 'id' | 'status' | 'last_payment_error'>,
): PaymentRetryResult {
  if (pi.status === 'succeeded') return { status: 'succeeded', providerRef: pi.id };
  const err = pi.last_payment_error;
  return {
    status: 'failed',
    providerRef: pi.id,
    failureCode: err?.decline_code || err?.code || `payment_intent_${pi.status}`,
    ...declineDetails(err ?? {}),
  };
}

function declineDetails(e: {
  network_advice_code?: string | null;
  network_decline_code?: string | null;
}): Pick<PaymentRetryResult, 'adviceCode' | 'networkDeclineCode'> {
  return {
    ...(e.network_advice_code ? { adviceCode: e.network_advice_code } : {}),
    ...(e.network_decline_code ? { networkDeclineCode: e.network_decline_code } : {}),
  };
}

function retryAfterSeconds(headers: Record<string, string | string[] | undefined> | undefined): number | null {
  const raw = headers?.['retry-after'];
  const n = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/**
 * Turns what the SDK threw into the port's outcome: a decline is a result; everything else is an error whose
 * type tells Temporal (and the api) whether a retry can help.
 */
export function stripeErrorOutcome(err: unknown, target: StripeRetryTarget): PaymentRetryResult {
  if (!(err instanceof Stripe.errors.StripeError)) throw err;
  if (err instanceof Stripe.errors.StripeCardError) {
    const pi = err.payment_intent as { id?: string } | undefined;
    return {
      status: 'failed',
      providerRef: target.kind === 'payment_intent' ? target.id : (pi?.id ?? target.id),
      failureCode: err.decline_code || err.code || 'card_declined',
      ...declineDetails(err),
    };
  }
  if (err instanceof Stripe.errors.StripeAuthenticationError || err instanceof Stripe.errors.StripePermissionError)
    throw new NonRetryableError(`Stripe rejected STRIPE_API_KEY: ${err.message}`, 'provider_auth');
  if (
    err instanceof Stripe.errors.StripeRateLimitError ||
    err instanceof Stripe.errors.StripeConnectionError ||
    err instanceof Stripe.errors.StripeAPIError
  ) {
    throw new UpstreamUnavailableError(
      'stripe',
      `Stripe is unavailable (${err.type}${err.statusCode ? ` ${err.statusCode}` : ''}): ${err.message}`,
      retryAfterSeconds(err.headers as Record<string, string> | undefined),
    );
  }
  if (err instanceof Stripe.errors.StripeIdempotencyError)
    throw new NonRetryableError(`Stripe refused the idempotency key: ${err.message}`, 'idempotency_conflict');
  throw new NonRetryableError(
    `Stripe refused to retry ${target.id} (${err.code ?? err.type}): ${err.message}`,
    'provider_rejected',
  );
}

function sdkConfig(opts: StripePaymentGatewayOptions): Stripe.StripeConfig {
  const base = opts.apiBase ? new URL(opts.apiBase) : null;
  return {
    timeout: opts.timeoutMs ?? 20_000,
    maxNetworkRetries: opts.maxNetworkRetries ?? 0,
    telemetry: false,
    appInfo: { name: 'floyo-autonomous-engine' },
    ...(opts.apiVersion ? { apiVersion: opts.apiVersion as Stripe.StripeConfig['apiVersion'] } : {}),
    ...(base
      ? {
          host: base.hostname,
          protocol: base.protocol === 'http:' ? 'http' : 'https',
          ...(base.port ? { port: Number(base.port) } : {}),
        }
      : {}),
  };
}

/** Readiness: a cheap authenticated read (GET /v1/balance) that proves the API answers and accepts the key. */
export async function probeStripe(opts: StripePaymentGatewayOptions): Promise<void> {
  const stripe = new Stripe(opts.apiKey, sdkConfig(opts));
  try {
    await stripe.balance.retrieve();
  } catch (err) {
    if (err instanceof Stripe.errors.StripeAuthenticationError)
      throw new Error(`Stripe rejected STRIPE_API_KEY: ${err.message}`, { cause: err });
    throw err;
  }
}

export function createStripePaymentGateway(opts: StripePaymentGatewayOptions): PaymentGateway {
  if (!opts.apiKey?.trim()) throw new NonRetryableError('STRIPE_API_KEY is empty: set a Stripe secret key', 'config');
  const stripe = new Stripe(opts.apiKey, sdkConfig(opts));
  return {
    async retryPayment(req: PaymentRetryRequest): Promise<PaymentRetryResult> {
      const target = stripeRetryTarget(req.paymentId, req.providerRef);
      const options: Stripe.RequestOptions = { idempotencyKey: req.idempotencyKey };
      try {
        if (target.kind === 'invoice')
          return settledInvoice(await stripe.invoices.pay(target.id, { off_session: true }, options));
        return settledPaymentIntent(await stripe.paymentIntents.confirm(target.id, { off_session: true }, options));
      } catch (err) {
        return stripeErrorOutcome(err, target);
      }
    },
  };
}
