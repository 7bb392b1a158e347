// How Stripe's objects and errors map to the payment port's outcomes (no server: the SDK's own error classes).
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { NonRetryableError, UpstreamUnavailableError } from '../../activities/effects/errors';
import {
  settledInvoice,
  settledPaymentIntent,
  stripeErrorOutcome,
  stripeRetryTarget,
} from '../../activities/effects/stripe-payment-gateway';

const inv = { kind: 'invoice', id: 'in_1' } as const;

describe('Stripe outcomes', () => {
  it('a paid invoice succeeded; any other status is a failure naming it', () => {
    expect(settledInvoice({ id: 'in_1', status: 'paid' })).toEqual({ status: 'succeeded', providerRef: 'in_1' });
    expect(settledInvoice({ id: 'in_1', status: 'open' })).toEqual({
      status: 'failed',
      providerRef: 'in_1',
      failureCode: 'invoice_open',
    });
  });

  it('a PaymentIntent succeeded, or failed with its last error decline code and network codes', () => {
    expect(settledPaymentIntent({ id: 'pi_1', status: 'succeeded', last_payment_error: null })).toEqual({
      status: 'succeeded',
      providerRef: 'pi_1',
    });
    const failed = settledPaymentIntent({
      id: 'pi_1',
      status: 'requires_payment_method',
      last_payment_error: {
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'do_not_honor',
        network_advice_code: '21',
      } as Stripe.PaymentIntent.LastPaymentError,
    });
    expect(failed).toEqual({ status: 'failed', providerRef: 'pi_1', failureCode: 'do_not_honor', adviceCode: '21' });
    expect(settledPaymentIntent({ id: 'pi_2', status: 'requires_action', last_payment_error: null })).toEqual({
      status: 'failed',
      providerRef: 'pi_2',
      failureCode: 'payment_intent_requires_action',
    });
  });

  it('maps each SDK error class to a decline, a retryable outage or a non-retryable refusal', () => {
    const card = new Stripe.errors.StripeCardError({ type: 'card_error', code: 'expired_card', message: 'expired' });
    expect(stripeErrorOutcome(card, inv)).toEqual({
      status: 'failed',
      providerRef: 'in_1',
      failureCode: 'expired_card',
    });
    const auth = new Stripe.errors.StripeAuthenticationError({ message: 'Invalid API Key provided: sk_***' });
    expect(() => stripeErrorOutcome(auth, inv)).toThrow('Stripe rejected STRIPE_API_KEY: Invalid API Key provided');
    expect(() => stripeErrorOutcome(new Stripe.errors.StripeAPIError({ message: 'boom' }), inv)).toThrow(
      UpstreamUnavailableError,
    );
    expect(() => stripeErrorOutcome(new Stripe.errors.StripeConnectionError({ message: 'reset' }), inv)).toThrow(
      UpstreamUnavailableError,
    );
    expect(() => stripeErrorOutcome(new Stripe.errors.StripeIdempotencyError({ message: 'reused' }), inv)).toThrow(
      NonRetryableError,
    );
    const plain = new TypeError('a bug');
    expect(() => stripeErrorOutcome(plain, inv)).toThrow(plain);
  });

  it('reads the target from provider_ref', () => {
    expect(stripeRetryTarget(1, ' in_ABC ')).toEqual({ kind: 'invoice', id: 'in_ABC' });
    expect(stripeRetryTarget(1, 'pi_9')).toEqual({ kind: 'payment_intent', id: 'pi_9' });
    expect(() => stripeRetryTarget(1, 'pi_')).toThrow(/payment 1 has provider_ref "pi_"/);
  });
});
