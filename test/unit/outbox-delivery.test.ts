// The relay's pure decision after one delivery attempt: delivered, bounced at once, retried with doubling backoff
// up to its ceiling, failed after the last attempt.
import { describe, expect, it } from 'vitest';
import { deliveryVerdict, retryDelaySeconds } from '../../engine/delivery/outbox-delivery';

const S = { maxAttempts: 4, baseDelaySeconds: 30, maxDelaySeconds: 100 };

describe('outbox delivery verdict', () => {
  it('doubles the delay per attempt from the base, capped', () => {
    expect([1, 2, 3, 4, 50].map((a) => retryDelaySeconds(a, S))).toEqual([30, 60, 100, 100, 100]);
  });

  it('a delivered attempt is delivered with the provider id, whatever the attempt number', () => {
    expect(deliveryVerdict({ kind: 'delivered', providerMessageId: '<x@y>' }, 9, S)).toEqual({
      status: 'delivered',
      providerMessageId: '<x@y>',
    });
  });

  it('a permanent refusal bounces on the first attempt', () => {
    expect(deliveryVerdict({ kind: 'permanent', error: '550 no such user' }, 1, S)).toEqual({
      status: 'bounced',
      error: '550 no such user',
    });
  });

  it('a transient failure stays queued with its backoff until the last attempt, then fails', () => {
    expect(deliveryVerdict({ kind: 'transient', error: 'ECONNREFUSED' }, 1, S)).toEqual({
      status: 'queued',
      error: 'ECONNREFUSED',
      retryInSeconds: 30,
    });
    expect(deliveryVerdict({ kind: 'transient', error: 'ECONNREFUSED' }, 3, S)).toMatchObject({
      status: 'queued',
      retryInSeconds: 100,
    });
    expect(deliveryVerdict({ kind: 'transient', error: 'ECONNREFUSED' }, 4, S)).toEqual({
      status: 'failed',
      error: 'after 4 attempts: ECONNREFUSED',
    });
  });
});
