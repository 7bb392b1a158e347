// SMTP_URL as the SMTP messenger's transport options: scheme → TLS mode and default port, credentials decoded.
import { describe, expect, it } from 'vitest';
import { smtpOptionsFromUrl } from '../../activities/effects/smtp-messenger';

describe('smtpOptionsFromUrl', () => {
  it('reads STARTTLS smtp:// with its port and %-encoded credentials', () => {
    expect(smtpOptionsFromUrl('smtp://app%40floyo:p%3Ass@mail.example:2525')).toEqual({
      host: 'mail.example',
      port: 2525,
      secure: false,
      auth: { user: 'app@floyo', pass: 'p:ss' },
    });
  });

  it('defaults to 587 for smtp:// and 465 with TLS for smtps://, without auth when no user is given', () => {
    expect(smtpOptionsFromUrl('smtp://mail.example')).toEqual({ host: 'mail.example', port: 587, secure: false });
    expect(smtpOptionsFromUrl('smtps://[::1]')).toEqual({ host: '::1', port: 465, secure: true });
  });
});
