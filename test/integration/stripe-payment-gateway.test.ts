// The Stripe gateway against stripe-mock (Stripe's OpenAPI-validating mock), through a recording proxy that shows
// what went over the wire. stripe-mock never declines, so declines and outages are Stripe-shaped answers the
// proxy gives in its place; a bad key and a dead port are real.
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonRetryableError, UpstreamUnavailableError } from '../../activities/effects/errors';
import { executeAction } from '../../activities/effects/executor';
import { createOutboxMessenger } from '../../activities/effects/outbox-messenger';
import {
  createStripePaymentGateway,
  settledInvoice,
  settledPaymentIntent,
} from '../../activities/effects/stripe-payment-gateway';
import { freeLoopbackPort } from '../../scripts/lib/local-server';
import { createTestDb, type TestDb } from '../helpers/db';
import { startRecordingProxy, stripeMockUrl, type RecordingProxy } from '../helpers/local-servers';

let proxy: RecordingProxy;

beforeAll(async () => {
  proxy = await startRecordingProxy(stripeMockUrl());
});
afterAll(async () => {
  await proxy?.close();
});

const gateway = () => createStripePaymentGateway({ apiKey: 'sk_test_floyo', apiBase: proxy.url });

function lastRequest() {
  const r = proxy.requests.at(-1);
  if (!r) throw new Error('no request reached the proxy');
  return r;
}

describe('Stripe payment gateway against stripe-mock', () => {
  it('pays an invoice off-session with the effect key as Idempotency-Key, accepted by stripe-mock', async () => {
    const before = proxy.requests.length;
    const r = await gateway().retryPayment({
      paymentId: 1,
      amountCents: 2900,
      idempotencyKey: 'retry_payment:1:2',
      providerRef: 'in_1FloyoInvoice',
    });
    expect(proxy.requests.length).toBe(before + 1);
    const wire = lastRequest();
    expect(wire.method).toBe('POST');
    expect(wire.path).toBe('/v1/invoices/in_1FloyoInvoice/pay');
    expect(wire.status).toBe(200);
    expect(wire.headers['idempotency-key']).toBe('retry_payment:1:2');
    expect(wire.headers.authorization).toBe('Bearer sk_test_floyo');
    expect(new URLSearchParams(wire.body).get('off_session')).toBe('true');
    expect(r.providerRef).toBe('in_1FloyoInvoice');
    // The outcome is exactly what the invoice stripe-mock returned says.
    const inv = JSON.parse(wire.responseBody) as Stripe.Invoice;
    expect(r).toEqual(settledInvoice(inv));
  });

  it('confirms a PaymentIntent off-session and returns its id', async () => {
    const r = await gateway().retryPayment({
      paymentId: 2,
      amountCents: 900,
      idempotencyKey: 'retry_payment:2:1',
      providerRef: 'pi_3FloyoIntent',
    });
    const wire = lastRequest();
    expect(wire.path).toBe('/v1/payment_intents/pi_3FloyoIntent/confirm');
    expect(wire.status).toBe(200);
    expect(wire.headers['idempotency-key']).toBe('retry_payment:2:1');
    expect(new URLSearchParams(wire.body).get('off_session')).toBe('true');
    expect(r.providerRef).toBe('pi_3FloyoIntent');
    const pi = JSON.parse(wire.responseBody) as Stripe.PaymentIntent;
    expect(r).toEqual(settledPaymentIntent(pi));
  });

  it('a re-driven effect sends the same Idempotency-Key; another effect sends its own', async () => {
    const g = gateway();
    const req = { paymentId: 3, amountCents: 500, providerRef: 'pi_Redriven' };
    const start = proxy.requests.length;
    await g.retryPayment({ ...req, idempotencyKey: 'retry_payment:3:1' });
    await g.retryPayment({ ...req, idempotencyKey: 'retry_payment:3:1' });
    await g.retryPayment({ ...req, idempotencyKey: 'retry_payment:3:2' });
    const keys = proxy.requests.slice(start).map((r) => r.headers['idempotency-key']);
    expect(keys).toEqual(['retry_payment:3:1', 'retry_payment:3:1', 'retry_payment:3:2']);
  });

  it('a card error is a decline with Stripe decline_code and the network advice and decline codes', async () => {
    proxy.answerNext(402, {
      error: {
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'insufficient_funds',
        network_advice_code: '03',
        network_decline_code: '51',
        message: 'Your card has insufficient funds.',
        payment_intent: { id: 'pi_FromInvoice', object: 'payment_intent' },
      },
    });
    const r = await gateway().retryPayment({
      paymentId: 4,
      amountCents: 100,
      idempotencyKey: 'retry_payment:4:1',
      providerRef: 'in_Declined',
    });
    expect(lastRequest().headers['idempotency-key']).toBe('retry_payment:4:1');
    expect(r).toEqual({
      status: 'failed',
      providerRef: 'pi_FromInvoice',
      failureCode: 'insufficient_funds',
      adviceCode: '03',
      networkDeclineCode: '51',
    });
  });

  it('a key stripe-mock rejects is a non-retryable failure naming STRIPE_API_KEY', async () => {
    const g = createStripePaymentGateway({ apiKey: 'not_a_stripe_key', apiBase: proxy.url });
    const err = await g
      .retryPayment({ paymentId: 5, amountCents: 1, idempotencyKey: 'k5', providerRef: 'in_Auth' })
      .catch((e: unknown) => e);
    expect(lastRequest().status).toBe(401);
    expect(err).toBeInstanceOf(NonRetryableError);
    expect((err as Error).message).toMatch(/^Stripe rejected STRIPE_API_KEY: /);
    expect((err as NonRetryableError).code).toBe('provider_auth');
  });

  it('a permission error is non-retryable too', async () => {
    proxy.answerNext(403, {
      error: { type: 'invalid_request_error', message: 'The provided key does not have access' },
    });
    const err = await gateway()
      .retryPayment({ paymentId: 6, amountCents: 1, idempotencyKey: 'k6', providerRef: 'pi_Perm' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonRetryableError);
    expect((err as Error).message).toContain('Stripe rejected STRIPE_API_KEY: The provided key does not have access');
  });

  it('rate limits and 5xx are retryable upstream outages, with Retry-After when given', async () => {
    proxy.answerNext(
      429,
      { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many' } },
      {
        'retry-after': '7',
      },
    );
    const limited = await gateway()
      .retryPayment({ paymentId: 7, amountCents: 1, idempotencyKey: 'k7', providerRef: 'pi_Rate' })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(UpstreamUnavailableError);
    expect((limited as UpstreamUnavailableError).retryAfterSeconds).toBe(7);

    proxy.answerNext(500, { error: { type: 'api_error', message: 'Something went wrong on our end' } });
    const down = await gateway()
      .retryPayment({ paymentId: 7, amountCents: 1, idempotencyKey: 'k7', providerRef: 'pi_Rate' })
      .catch((e: unknown) => e);
    expect(down).toBeInstanceOf(UpstreamUnavailableError);
    expect((down as UpstreamUnavailableError).upstream).toBe('stripe');
  });

  it('an unreachable Stripe is a retryable outage', async () => {
    const deadPort = await freeLoopbackPort();
    const g = createStripePaymentGateway({ apiKey: 'sk_test_x', apiBase: `http://127.0.0.1:${deadPort}` });
    const err = await g
      .retryPayment({ paymentId: 8, amountCents: 1, idempotencyKey: 'k8', providerRef: 'in_Dead' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
  });

  it('an invalid request stripe-mock refuses is non-retryable', async () => {
    // stripe-mock is stateless and pays any invoice, so the 400 Stripe sends for a paid one comes from the proxy.
    proxy.answerNext(400, {
      error: { type: 'invalid_request_error', code: 'invoice_not_open', message: 'Invoice is already paid' },
    });
    const err = await gateway()
      .retryPayment({ paymentId: 9, amountCents: 1, idempotencyKey: 'k9', providerRef: 'in_Paid' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonRetryableError);
    expect((err as NonRetryableError).code).toBe('provider_rejected');
  });

  it('a payment whose provider_ref is neither an invoice nor a PaymentIntent is refused without a request', async () => {
    const before = proxy.requests.length;
    for (const providerRef of ['ch_123', 'sandbox_abc', null, undefined]) {
      const err = await gateway()
        .retryPayment({ paymentId: 10, amountCents: 1, idempotencyKey: 'k10', providerRef })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NonRetryableError);
      expect((err as NonRetryableError).code).toBe('unsupported_provider_ref');
    }
    expect(proxy.requests.length).toBe(before);
  });
});

describe('Stripe payment gateway driven by the executor', () => {
  let t: TestDb;
  const NOW = new Date('2026-11-25T12:00:00.000Z');
  beforeAll(async () => {
    t = await createTestDb('stripe-executor');
  });
  afterAll(() => t?.drop());

  it("retries the payment's invoice once with the effect key, records the outcome on the effect, never repeats", async () => {
    const db = t.db;
    await db('engine.cycles').insert({
      id: 'live-stripe',
      kind: 'cycle',
      trigger: 'api',
      requested_by: 'test',
      dry_run: false,
      phases: ['heal'],
      logical_now: NOW,
    });
    await db('app.payments').insert({
      id: 301,
      subscription_id: 301,
      amount_cents: 2900,
      status: 'failed',
      failure_code: 'insufficient_funds',
      attempted_at: new Date(NOW.getTime() - 2 * 86_400_000),
      attempt_count: 1,
      next_retry_at: new Date(NOW.getTime() - 86_400_000),
      provider_ref: 'in_ExecutorInvoice',
    });
    const id = 'live-stripe:retry_payment:301';
    await db('engine.actions').insert({
      id,
      cycle_id: 'live-stripe',
      phase: 'heal',
      type: 'retry_payment',
      target_type: 'payment',
      target_id: '301',
      params: JSON.stringify({ paymentId: 301, amountCents: 2900, attempt: 2 }),
      detection_confidence: 1,
      confidence: 0.95,
      mode: 'auto',
      status: 'planned',
      dry_run: false,
    });
    const deps = { db, payments: gateway(), messenger: createOutboxMessenger(db), now: () => NOW };
    const start = proxy.requests.length;
    const first = await executeAction(deps, id);
    const again = await executeAction(deps, id);
    const wire = proxy.requests.slice(start);
    expect(wire.map((r) => [r.path, r.headers['idempotency-key'], r.status])).toEqual([
      ['/v1/invoices/in_ExecutorInvoice/pay', first.effect!.idempotencyKey, 200],
    ]);
    expect(first).toMatchObject({ status: 'executed', repeated: false, effect: { port: 'payments' } });
    expect(again).toMatchObject({ status: 'executed', repeated: true });
    const effect = await db('engine.effects').where({ action_id: id }).first();
    const settled = settledInvoice(JSON.parse(proxy.requests[start]!.responseBody) as Stripe.Invoice);
    expect(effect.response).toMatchObject({
      providerRef: 'in_ExecutorInvoice',
      paymentStatus: settled.status,
      outcome: settled.status === 'succeeded' ? 'succeeded' : 'declined',
      failureCode: settled.failureCode ?? null,
    });
  });
});
