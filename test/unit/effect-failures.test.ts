// How SMTP and webhook failures are classified: a retry can help (UpstreamUnavailableError) or never will.
import { describe, expect, it } from 'vitest';
import { NonRetryableError, UpstreamUnavailableError } from '../../activities/effects/errors';
import { smtpFailure } from '../../activities/effects/smtp-messenger';
import { webhookFailure } from '../../activities/effects/webhook-messenger';

const smtpError = (message: string, fields: { code?: string; responseCode?: number }) =>
  Object.assign(new Error(message), fields);

describe('SMTP failures', () => {
  it('rejected credentials and permanent refusals are non-retryable', () => {
    const auth = smtpFailure(
      smtpError('Invalid login: 535 Authentication failed', { code: 'EAUTH', responseCode: 535 }),
    );
    expect(auth).toBeInstanceOf(NonRetryableError);
    expect(auth.message).toBe(
      'the SMTP server rejected the credentials in SMTP_URL: Invalid login: 535 Authentication failed',
    );
    const mailbox = smtpFailure(smtpError('550 mailbox unavailable', { code: 'EENVELOPE', responseCode: 550 }));
    expect(mailbox).toMatchObject({ name: 'NonRetryableError', code: 'rejected' });
  });

  it('connection problems and transient refusals are retryable', () => {
    for (const e of [
      smtpError('connect ECONNREFUSED 127.0.0.1:25', { code: 'ESOCKET' }),
      smtpError('Greeting never received', { code: 'ETIMEDOUT' }),
      smtpError('451 try again later', { code: 'EENVELOPE', responseCode: 451 }),
      new Error('something odd'),
    ]) {
      const out = smtpFailure(e);
      expect(out).toBeInstanceOf(UpstreamUnavailableError);
      expect(out).toMatchObject({ upstream: 'smtp' });
    }
  });
});

describe('webhook answers', () => {
  it('2xx is delivered; 408, 429 and 5xx are retryable; 401/403 and other 4xx or 3xx are not', () => {
    expect(webhookFailure(200, 'ok')).toBeNull();
    expect(webhookFailure(204, '')).toBeNull();
    for (const s of [408, 429, 500, 502, 503]) expect(webhookFailure(s, 'x')).toBeInstanceOf(UpstreamUnavailableError);
    expect(webhookFailure(401, 'bad signature')).toMatchObject({ name: 'NonRetryableError', code: 'provider_auth' });
    expect(webhookFailure(403, 'forbidden')).toMatchObject({ code: 'provider_auth' });
    for (const s of [301, 400, 404, 410, 422]) expect(webhookFailure(s, 'x')).toMatchObject({ code: 'rejected' });
  });
});
