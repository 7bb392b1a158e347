// One-click unsubscribe tokens (RFC 8058): the recipient's address and an HMAC of it, so the unsubscribe
// endpoint can trust the address it is given without a lookup table.
import { createHmac, timingSafeEqual } from 'node:crypto';

function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

function mac(secret: string, address: string): Buffer {
  return createHmac('sha256', secret).update(normalizeAddress(address)).digest();
}

/** `<base64url(address)>.<base64url(HMAC-SHA256(secret, address))>`, the address lower-cased and trimmed. */
export function unsubscribeToken(secret: string, address: string): string {
  const a = normalizeAddress(address);
  return `${Buffer.from(a).toString('base64url')}.${mac(secret, a).toString('base64url')}`;
}

/** The address a token was issued for, or null when it was not issued with this secret. */
export function verifyUnsubscribeToken(secret: string, token: string): string | null {
  const [encoded, signature, ...rest] = token.split('.');
  if (!encoded || !signature || rest.length) return null;
  const address = Buffer.from(encoded, 'base64url').toString('utf8');
  const expected = mac(secret, address);
  const given = Buffer.from(signature, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected) ? address : null;
}

/** The List-Unsubscribe URL: <publicBaseUrl>/api/unsubscribe?token=… (under the base's path, if it has one). */
export function unsubscribeUrl(publicBaseUrl: string, secret: string, address: string): string {
  const url = new URL('api/unsubscribe', publicBaseUrl.endsWith('/') ? publicBaseUrl : `${publicBaseUrl}/`);
  url.searchParams.set('token', unsubscribeToken(secret, address));
  return url.toString();
}
