// Adapter selection: the one place (with the readiness probes the api runs) that turns the config's PAYMENT_GATEWAY and MESSENGER (and their
// variables) into the effect adapters the worker runs with. Every message effect is accepted into engine.outbox
// (which the contact cap counts); with MESSENGER=smtp|webhook the real messenger becomes the outbox relay's
// transport, so an outage delays delivery instead of failing the effect.
import type { Knex } from 'knex';
import type { OutboxRelay } from '../activities/deps';
import { createOutboxMessenger } from '../activities/effects/outbox-messenger';
import type { Messenger, PaymentGateway } from '../activities/effects/ports';
import { createSandboxPaymentGateway } from '../activities/effects/sandbox-payment-gateway';
import { createSmtpMessenger, probeSmtp, smtpOptionsFromUrl } from '../activities/effects/smtp-messenger';
import { createStripePaymentGateway, probeStripe } from '../activities/effects/stripe-payment-gateway';
import { createWebhookMessenger, probeWebhook } from '../activities/effects/webhook-messenger';
import { userEmailOf } from '../db/queries/users';
import type { Config } from '../platform/config';

/** The config fields adapter selection reads (the whole Config fits). */
export type AdapterSettings = Pick<
  Config,
  | 'PAYMENT_GATEWAY'
  | 'STRIPE_API_KEY'
  | 'STRIPE_API_BASE'
  | 'MESSENGER'
  | 'SMTP_URL'
  | 'MAIL_FROM'
  | 'UNSUBSCRIBE_SECRET'
  | 'PUBLIC_BASE_URL'
  | 'FLOYO_API_URL'
  | 'MESSAGE_WEBHOOK_URL'
  | 'MESSAGE_WEBHOOK_SECRET'
  | 'OUTBOX_RELAY_BATCH_SIZE'
  | 'OUTBOX_RELAY_MAX_ATTEMPTS'
  | 'OUTBOX_RELAY_RETRY_SECONDS'
  | 'OUTBOX_RELAY_LEASE_SECONDS'
>;

export interface Adapters {
  payments: PaymentGateway;
  /** What effects send through: always the outbox. */
  messenger: Messenger;
  /** The relay that delivers the outbox over SMTP or webhook; null with MESSENGER=outbox. */
  outboxRelay: OutboxRelay | null;
  names: { paymentGateway: Config['PAYMENT_GATEWAY']; messenger: Config['MESSENGER'] };
}

// The config's cross-field check already refused a selection without its variables; this is the backstop
// for callers that build settings by hand.
function need(value: string | undefined, name: string, because: string): string {
  if (!value) throw new Error(`${name}: required when ${because}`);
  return value;
}

// The backoff's ceiling: a message waits at most an hour between two attempts.
const RELAY_MAX_DELAY_SECONDS = 3_600;

export function createAdapters(db: Knex, s: AdapterSettings, clock: () => Date): Adapters {
  const payments =
    s.PAYMENT_GATEWAY === 'stripe'
      ? createStripePaymentGateway({
          apiKey: need(s.STRIPE_API_KEY, 'STRIPE_API_KEY', 'PAYMENT_GATEWAY=stripe'),
          ...(s.STRIPE_API_BASE ? { apiBase: s.STRIPE_API_BASE } : {}),
        })
      : createSandboxPaymentGateway(db, clock);
  const findRecipient = (userId: number) => userEmailOf(db, userId);
  let transport: Messenger | null = null;
  if (s.MESSENGER === 'smtp') {
    const because = 'MESSENGER=smtp';
    transport = createSmtpMessenger({
      smtp: smtpOptionsFromUrl(need(s.SMTP_URL, 'SMTP_URL', because)),
      from: need(s.MAIL_FROM, 'MAIL_FROM', because),
      publicBaseUrl: s.PUBLIC_BASE_URL ?? s.FLOYO_API_URL,
      unsubscribeSecret: need(s.UNSUBSCRIBE_SECRET, 'UNSUBSCRIBE_SECRET', because),
      findRecipient,
    });
  } else if (s.MESSENGER === 'webhook') {
    const because = 'MESSENGER=webhook';
    transport = createWebhookMessenger({
      url: need(s.MESSAGE_WEBHOOK_URL, 'MESSAGE_WEBHOOK_URL', because),
      secret: need(s.MESSAGE_WEBHOOK_SECRET, 'MESSAGE_WEBHOOK_SECRET', because),
      findRecipient,
    });
  }
  const outboxRelay: OutboxRelay | null =
    transport && s.MESSENGER !== 'outbox'
      ? {
          channel: s.MESSENGER,
          transport,
          settings: {
            batchSize: s.OUTBOX_RELAY_BATCH_SIZE,
            maxAttempts: s.OUTBOX_RELAY_MAX_ATTEMPTS,
            baseDelaySeconds: s.OUTBOX_RELAY_RETRY_SECONDS,
            maxDelaySeconds: RELAY_MAX_DELAY_SECONDS,
            leaseSeconds: s.OUTBOX_RELAY_LEASE_SECONDS,
          },
        }
      : null;
  const messenger = createOutboxMessenger(db, undefined, outboxRelay?.channel ?? 'outbox');
  return { payments, messenger, outboxRelay, names: { paymentGateway: s.PAYMENT_GATEWAY, messenger: s.MESSENGER } };
}

export interface AdapterProbe {
  name: string;
  /** Null for the adapters that live in PostgreSQL (sandbox, outbox): the database check covers them. */
  probe: ((timeoutMs: number) => Promise<void>) | null;
}

/** What /readyz checks for the selected adapters, without building them (the api sends nothing). */
export function adapterProbes(s: AdapterSettings): { paymentGateway: AdapterProbe; messenger: AdapterProbe } {
  const paymentGateway: AdapterProbe =
    s.PAYMENT_GATEWAY === 'stripe'
      ? {
          name: 'stripe',
          probe: (timeoutMs) =>
            probeStripe({
              apiKey: need(s.STRIPE_API_KEY, 'STRIPE_API_KEY', 'PAYMENT_GATEWAY=stripe'),
              ...(s.STRIPE_API_BASE ? { apiBase: s.STRIPE_API_BASE } : {}),
              timeoutMs,
            }),
        }
      : { name: s.PAYMENT_GATEWAY, probe: null };
  const messenger: AdapterProbe =
    s.MESSENGER === 'smtp'
      ? {
          name: 'smtp',
          probe: (timeoutMs) =>
            probeSmtp({ ...smtpOptionsFromUrl(need(s.SMTP_URL, 'SMTP_URL', 'MESSENGER=smtp')), timeoutMs }),
        }
      : s.MESSENGER === 'webhook'
        ? {
            name: 'webhook',
            probe: (timeoutMs) =>
              probeWebhook(need(s.MESSAGE_WEBHOOK_URL, 'MESSAGE_WEBHOOK_URL', 'MESSENGER=webhook'), timeoutMs),
          }
        : { name: s.MESSENGER, probe: null };
  return { paymentGateway, messenger };
}
