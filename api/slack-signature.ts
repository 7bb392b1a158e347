// Verifies that a request came from Slack: v0 HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the app's
// signing secret, compared in constant time, and a timestamp within 5 minutes of now (no replays).
import crypto from 'node:crypto';

export const SLACK_REPLAY_WINDOW_SECONDS = 300;

export type SlackSignatureCheck =
  { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch'; detail: string };

/** The `x-slack-signature` value Slack would send for this body: `v0=<hex>`. */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: string | Buffer): string {
  const mac = crypto.createHmac('sha256', signingSecret);
  mac.update(`v0:${timestamp}:`);
  mac.update(rawBody);
  return `v0=${mac.digest('hex')}`;
}

export function verifySlackSignature(req: {
  signingSecret: string;
  /** The x-slack-request-timestamp header (Unix seconds). */
  timestamp: string | undefined;
  /** The x-slack-signature header. */
  signature: string | undefined;
  /** The body exactly as received: parsing and re-serialising it breaks the signature. */
  rawBody: string | Buffer;
  now: Date;
  windowSeconds?: number;
}): SlackSignatureCheck {
  if (!req.timestamp || !req.signature) {
    return { ok: false, reason: 'missing', detail: 'x-slack-request-timestamp and x-slack-signature are required' };
  }
  if (!/^\d{1,12}$/.test(req.timestamp)) {
    return { ok: false, reason: 'malformed', detail: 'x-slack-request-timestamp must be Unix seconds' };
  }
  if (!/^v0=[0-9a-f]{64}$/.test(req.signature)) {
    return { ok: false, reason: 'malformed', detail: 'x-slack-signature must be v0= followed by 64 hex digits' };
  }
  const skew = Math.abs(req.now.getTime() / 1000 - Number(req.timestamp));
  const window = req.windowSeconds ?? SLACK_REPLAY_WINDOW_SECONDS;
  if (skew > window) {
    return {
      ok: false,
      reason: 'stale',
      detail: `the request is ${Math.round(skew)} s from now (at most ${window} s)`,
    };
  }
  const expected = Buffer.from(slackSignature(req.signingSecret, req.timestamp, req.rawBody));
  const given = Buffer.from(req.signature);
  // Equal lengths are guaranteed by the format check; timingSafeEqual throws otherwise.
  if (!crypto.timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'mismatch', detail: 'the signature does not match the signing secret' };
  }
  return { ok: true };
}
