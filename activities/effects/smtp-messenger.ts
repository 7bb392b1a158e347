// The SMTP Messenger: renders the message's template and sends it with nodemailer.
//
// Each message carries a one-click unsubscribe (RFC 8058: List-Unsubscribe with an HMAC-signed URL under the
// public base URL, and List-Unsubscribe-Post) and a Message-ID derived from the idempotency key, so a re-driven
// effect re-sends the very same message id and receivers collapse the duplicate. SMTP itself cannot be asked
// whether a message was already sent: "once" is the executor's effect record, this id is the backstop.
// Errors: bad credentials and permanent (5xx) refusals are NonRetryableError; connection failures, timeouts
// and transient (4xx) refusals are UpstreamUnavailableError, retried with the same key.
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import { createEmailRenderer, DEFAULT_EMAIL_TEMPLATES_DIR } from './email-templates';
import { NonRetryableError, UpstreamUnavailableError } from './errors';
import type { MessageRequest, Messenger } from './ports';
import { unsubscribeUrl } from './unsubscribe-token';

export interface EmailRecipient {
  id: number;
  email: string | null;
}

export interface SmtpMessengerOptions {
  smtp: {
    host: string;
    port: number;
    /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
    secure?: boolean;
    /** Refuse to send unless STARTTLS succeeds. */
    requireTls?: boolean;
    auth?: { user: string; pass: string };
    /** Connection, greeting and socket timeouts; defaults to 10 s. */
    timeoutMs?: number;
  };
  /** The From header, e.g. 'Floyo <hello@floyo.example>'. */
  from: string;
  /** Base of the links in messages and of the unsubscribe URL, e.g. https://app.floyo.example. */
  publicBaseUrl: string;
  /** Secret of the HMAC in unsubscribe tokens. */
  unsubscribeSecret: string;
  /** Looks up the recipient of a message (the composition root wires a users repository). */
  findRecipient(userId: number): Promise<EmailRecipient | null>;
  /** Right-hand side of Message-IDs; defaults to the From address's domain. */
  messageIdDomain?: string;
  templatesDir?: string;
}

/** `<sha256(key)[0..32]@domain>`: stable per idempotency key, safe whatever characters the key has. */
export function messageIdFor(idempotencyKey: string, domain: string): string {
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
}

function domainOf(from: string): string {
  const m = /@([^>\s]+)>?\s*$/.exec(from);
  if (!m) throw new NonRetryableError(`SMTP from address ${JSON.stringify(from)} has no domain`, 'config');
  return m[1]!;
}

type SmtpError = Error & { code?: string; responseCode?: number; response?: string };

/** Whether a nodemailer failure can succeed on a later try. */
export function smtpFailure(err: unknown): Error {
  const e = err as SmtpError;
  if (e?.code === 'EAUTH')
    return new NonRetryableError(`the SMTP server rejected the credentials in SMTP_URL: ${e.message}`, 'provider_auth');
  if (typeof e?.responseCode === 'number' && e.responseCode >= 500)
    return new NonRetryableError(`the SMTP server refused the message (${e.responseCode}): ${e.message}`, 'rejected');
  return new UpstreamUnavailableError(
    'smtp',
    `SMTP is unavailable (${e?.code ?? 'error'}): ${e?.message ?? String(err)}`,
  );
}

/** SMTP_URL as transport options: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465 (TLS). */
export function smtpOptionsFromUrl(raw: string): SmtpMessengerOptions['smtp'] {
  const u = new URL(raw);
  const secure = u.protocol === 'smtps:';
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
  };
}

function transportOf(smtp: SmtpMessengerOptions['smtp']) {
  const timeout = smtp.timeoutMs ?? 10_000;
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure ?? false,
    requireTLS: smtp.requireTls ?? false,
    ...(smtp.auth ? { auth: smtp.auth } : {}),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
}

/** Readiness: connects, greets and authenticates (nodemailer's verify), then hangs up without sending. */
export async function probeSmtp(smtp: SmtpMessengerOptions['smtp']): Promise<void> {
  const transport = transportOf(smtp);
  try {
    await transport.verify();
  } finally {
    transport.close();
  }
}

export function createSmtpMessenger(opts: SmtpMessengerOptions): Messenger {
  const domain = opts.messageIdDomain ?? domainOf(opts.from);
  const baseUrl = opts.publicBaseUrl.replace(/\/+$/, '');
  const renderer = createEmailRenderer(opts.templatesDir ?? DEFAULT_EMAIL_TEMPLATES_DIR);
  const transport = transportOf(opts.smtp);
  return {
    async send(req: MessageRequest): Promise<{ messageId: string }> {
      const recipient = await opts.findRecipient(req.userId);
      if (!recipient?.email?.trim())
        throw new NonRetryableError(`user ${req.userId} has no email address to send to`, 'no_recipient');
      const email = recipient.email.trim();
      const unsubscribe = unsubscribeUrl(baseUrl, opts.unsubscribeSecret, email);
      const rendered = renderer.render(req.template, {
        user: { id: recipient.id, email },
        action: req.payload ?? {},
        baseUrl,
        unsubscribeUrl: unsubscribe,
      });
      const messageId = messageIdFor(req.idempotencyKey, domain);
      try {
        await transport.sendMail({
          from: opts.from,
          to: email,
          subject: rendered.subject,
          text: rendered.text,
          html: rendered.html,
          messageId,
          list: { unsubscribe },
          headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'X-Floyo-Template': req.template },
        });
      } catch (err) {
        throw smtpFailure(err);
      }
      return { messageId };
    },
  };
}
