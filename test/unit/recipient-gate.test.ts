// The recipient gate (engine/safety/recipient-gate.ts): a message passes only to a live user who has not
// opted out and whose address is not suppressed, and each refusal says which of those it was.
import { describe, expect, it } from 'vitest';
import { recipientGate } from '../../engine/safety/recipient-gate';

const live = { deletedAt: null, marketingOptOut: false, suppression: null };
const unsubscribed = {
  reason: 'unsubscribe',
  source: 'list-unsubscribe-one-click',
  createdAt: '2026-12-02T10:00:00.000Z',
};

describe('recipient gate', () => {
  it('passes a live, opted-in, unsuppressed user', () => {
    expect(recipientGate(7, live)).toEqual({ gate: 'recipient', passed: true, reason: 'user 7 is reachable' });
  });

  it('blocks a missing, deleted or opted-out user with the reason', () => {
    expect(recipientGate(7, null)).toMatchObject({ passed: false, reason: 'recipient: user 7 does not exist' });
    expect(recipientGate(7, { ...live, deletedAt: new Date('2026-12-01T00:00:00Z') })).toMatchObject({
      passed: false,
      reason: 'recipient: user 7 is deleted',
    });
    expect(recipientGate(7, { ...live, marketingOptOut: true })).toMatchObject({
      passed: false,
      reason: 'recipient: user 7 opted out of marketing messages',
    });
  });

  it('blocks a suppressed address, naming the reason, the source and when', () => {
    expect(recipientGate(7, { ...live, suppression: unsubscribed })).toEqual({
      gate: 'recipient',
      passed: false,
      reason:
        "recipient: user 7's address is suppressed (unsubscribe via list-unsubscribe-one-click at 2026-12-02T10:00:00.000Z)",
      details: { suppression: unsubscribed },
    });
  });

  it('names the first refusal when several apply: deleted before opted out before suppressed', () => {
    const all = { deletedAt: '2026-12-01T00:00:00Z', marketingOptOut: true, suppression: unsubscribed };
    expect(recipientGate(7, all).reason).toBe('recipient: user 7 is deleted');
    expect(recipientGate(7, { ...all, deletedAt: null }).reason).toBe(
      'recipient: user 7 opted out of marketing messages',
    );
  });
});
