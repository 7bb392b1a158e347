// One-click unsubscribe tokens: they carry the address, verify only with their secret, and resist tampering.
import { describe, expect, it } from 'vitest';
import { unsubscribeToken, unsubscribeUrl, verifyUnsubscribeToken } from '../../activities/effects/unsubscribe-token';

describe('unsubscribe tokens', () => {
  it('round-trips the normalized address with the right secret only', () => {
    const token = unsubscribeToken('s3cret', '  Alice@Example.com ');
    expect(verifyUnsubscribeToken('s3cret', token)).toBe('alice@example.com');
    expect(verifyUnsubscribeToken('other', token)).toBeNull();
    expect(unsubscribeToken('s3cret', 'alice@example.com')).toBe(token);
  });

  it('rejects a token whose address or signature was changed, or that is malformed', () => {
    const [, sig] = unsubscribeToken('s3cret', 'alice@example.com').split('.');
    const forged = `${Buffer.from('mallory@example.com').toString('base64url')}.${sig}`;
    expect(verifyUnsubscribeToken('s3cret', forged)).toBeNull();
    expect(verifyUnsubscribeToken('s3cret', 'abc')).toBeNull();
    expect(verifyUnsubscribeToken('s3cret', 'a.b.c')).toBeNull();
    expect(verifyUnsubscribeToken('s3cret', `${forged.split('.')[0]}.AAAA`)).toBeNull();
  });

  it('builds the URL under the public base, with or without a path or trailing slash', () => {
    const token = unsubscribeToken('k', 'a@b.c');
    expect(unsubscribeUrl('https://app.floyo.example', 'k', 'a@b.c')).toBe(
      `https://app.floyo.example/api/unsubscribe?token=${token}`,
    );
    expect(unsubscribeUrl('https://floyo.example/app/', 'k', 'a@b.c')).toBe(
      `https://floyo.example/app/api/unsubscribe?token=${token}`,
    );
  });
});
