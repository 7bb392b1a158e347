// The SMTP messenger against Mailpit, read back through Mailpit's HTTP API: recipients, subject, the one-click
// unsubscribe headers, the Message-ID derived from the idempotency key, HTML escaping, SMTP errors, and one
// message per effect when driven by the executor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonRetryableError, UpstreamUnavailableError } from '../../activities/effects/errors';
import { executeAction, type EffectDeps } from '../../activities/effects/executor';
import { createSandboxPaymentGateway } from '../../activities/effects/sandbox-payment-gateway';
import { createSmtpMessenger, messageIdFor, type SmtpMessengerOptions } from '../../activities/effects/smtp-messenger';
import { verifyUnsubscribeToken } from '../../activities/effects/unsubscribe-token';
import type { Db } from '../../db/knex';
import { freeLoopbackPort } from '../../scripts/lib/local-server';
import { createTestDb, type TestDb } from '../helpers/db';
import { mailpitServer } from '../helpers/local-servers';

const SECRET = 'unsubscribe-secret-for-tests';
const NOW = new Date('2026-11-25T12:00:00.000Z');
// Unique per run, so messages of earlier files or runs in the same Mailpit never match.
const RUN = `r${process.pid}${Date.now().toString(36)}`;
const addr = (n: number | string) => `user${n}.${RUN}@example.com`;

let t: TestDb;
let db: Db;

const mailpit = () => mailpitServer();

async function api<T>(p: string): Promise<T> {
  const res = await fetch(`${mailpit().apiUrl}${p}`);
  if (!res.ok) throw new Error(`Mailpit ${p}: ${res.status}`);
  return (await res.json()) as T;
}

interface Summary {
  ID: string;
  MessageID: string;
  Subject: string;
  To: { Address: string }[];
}

async function messagesTo(address: string): Promise<Summary[]> {
  const r = await api<{ messages: Summary[] }>(`/api/v1/search?query=${encodeURIComponent(`to:"${address}"`)}`);
  return r.messages;
}

function options(over: Partial<SmtpMessengerOptions> = {}): SmtpMessengerOptions {
  const m = mailpit();
  return {
    smtp: { host: m.smtpHost, port: m.smtpPort, auth: { user: 'floyo', pass: 'any' } },
    from: 'Floyo <hello@floyo.example>',
    publicBaseUrl: 'https://app.floyo.example/',
    unsubscribeSecret: SECRET,
    findRecipient: async (id) => {
      const row = await db('app.users').where({ id }).first('id', 'email');
      return row ? { id: Number(row.id), email: row.email } : null;
    },
    ...over,
  };
}

async function user(id: number, email: string | null = addr(id)) {
  await db('app.users').insert({ id, email, created_at: new Date(NOW.getTime() - 30 * 86_400_000) });
}

beforeAll(async () => {
  t = await createTestDb('smtp-messenger');
  db = t.db;
});
afterAll(() => t?.drop());

describe('SMTP messenger against Mailpit', () => {
  it('sends the rendered template with one-click unsubscribe and a Message-ID from the key', async () => {
    await user(1);
    const key = `message:upgrade_offer_v1:1:cycle-a:upgrade_offer:1`;
    const r = await createSmtpMessenger(options()).send({
      userId: 1,
      template: 'upgrade_offer_v1',
      payload: { offerPlanId: 'pro', offerPlanName: 'Pro', offerMrrCents: 4900, actionId: 'a1' },
      idempotencyKey: key,
    });
    expect(r.messageId).toBe(messageIdFor(key, 'floyo.example'));
    const [m, ...more] = await messagesTo(addr(1));
    expect(more).toHaveLength(0);
    expect(m!.To.map((x) => x.Address)).toEqual([addr(1)]);
    expect(m!.Subject).toBe('Get more from Floyo with Pro');
    expect(`<${m!.MessageID}>`).toBe(r.messageId);

    const headers = await api<Record<string, string[]>>(`/api/v1/message/${m!.ID}/headers`);
    const listUnsubscribe = headers['List-Unsubscribe']![0]!;
    const url = new URL(/^<(https:[^>]+)>$/.exec(listUnsubscribe)![1]!);
    expect(`${url.origin}${url.pathname}`).toBe('https://app.floyo.example/api/unsubscribe');
    expect(verifyUnsubscribeToken(SECRET, url.searchParams.get('token')!)).toBe(addr(1));
    expect(verifyUnsubscribeToken('another secret', url.searchParams.get('token')!)).toBeNull();
    expect(headers['List-Unsubscribe-Post']).toEqual(['List-Unsubscribe=One-Click']);
    expect(headers['From']).toEqual(['Floyo <hello@floyo.example>']);

    const full = await api<{ Text: string; HTML: string }>(`/api/v1/message/${m!.ID}`);
    expect(full.Text).toContain(
      'Pro gives you more for $49.00 a month: https://app.floyo.example/billing/upgrade?plan=pro',
    );
    expect(full.Text).toContain(`Unsubscribe: ${url.toString()}`);
    expect(full.HTML).toContain('<strong>Pro</strong>');
  });

  it('escapes fields in the HTML part, not in the plain-text part', async () => {
    await user(2);
    await createSmtpMessenger(options()).send({
      userId: 2,
      template: 'upgrade_offer_v1',
      payload: { offerPlanId: 'p', offerPlanName: '<script>alert(1)</script> & Co', offerMrrCents: 100 },
      idempotencyKey: 'k-escape',
    });
    const [m] = await messagesTo(addr(2));
    const full = await api<{ Text: string; HTML: string }>(`/api/v1/message/${m!.ID}`);
    expect(full.HTML).not.toContain('<script>');
    expect(full.HTML).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(full.Text).toContain('<script>alert(1)</script> & Co gives you more');
    expect(m!.Subject).toBe('Get more from Floyo with <script>alert(1)</script> & Co');
  });

  it('a re-driven effect re-sends the same Message-ID; another key gets another', async () => {
    await user(3);
    const messenger = createSmtpMessenger(options({ smtp: { ...options().smtp, auth: undefined } }));
    const req = { userId: 3, template: 'retention_campaign_v1', payload: { lastSeenAt: '2026-11-01T08:00:00Z' } };
    await messenger.send({ ...req, idempotencyKey: 'k-redrive' });
    await messenger.send({ ...req, idempotencyKey: 'k-redrive' });
    await messenger.send({ ...req, idempotencyKey: 'k-other' });
    const ids = (await messagesTo(addr(3))).map((m) => `<${m.MessageID}>`).sort();
    expect(ids).toEqual(
      [
        messageIdFor('k-redrive', 'floyo.example'),
        messageIdFor('k-redrive', 'floyo.example'),
        messageIdFor('k-other', 'floyo.example'),
      ].sort(),
    );
  });

  it('every message template renders with the fields its planner sets', async () => {
    await user(4);
    const m = createSmtpMessenger(options());
    const payloads: Record<string, Record<string, unknown>> = {
      onboarding_nudge_v1: { signedUpAt: '2026-11-20T10:00:00Z', kpi: 'activation' },
      retention_campaign_v1: { signal: 'inactive', lastSeenAt: '2026-11-10T10:00:00Z' },
      proactive_retention_v1: { signals: ['past_due'], pastDueSubscriptionId: 7, mrrCents: 2900 },
      upgrade_offer_v1: { offerPlanId: 'team', offerPlanName: 'Team', offerMrrCents: 9900 },
    };
    for (const [template, payload] of Object.entries(payloads))
      await m.send({ userId: 4, template, payload, idempotencyKey: `k-all-${template}` });
    const subjects = (await messagesTo(addr(4))).map((x) => x.Subject).sort();
    expect(subjects).toEqual(
      [
        'Finish setting up your Floyo account',
        'We miss you at Floyo',
        'Can we help with your Floyo account?',
        'Get more from Floyo with Team',
      ].sort(),
    );
  });

  it('refuses an unknown template or a user without an address, without sending', async () => {
    await user(5, null);
    const m = createSmtpMessenger(options());
    await expect(
      m.send({ userId: 5, template: 'upgrade_offer_v1', payload: {}, idempotencyKey: 'k5' }),
    ).rejects.toThrow(NonRetryableError);
    await expect(
      m.send({ userId: 999, template: 'upgrade_offer_v1', payload: {}, idempotencyKey: 'k6' }),
    ).rejects.toThrow('user 999 has no email address');
    await user(6);
    await expect(
      m.send({ userId: 6, template: 'no_such_v1', payload: {}, idempotencyKey: 'k7' }),
    ).rejects.toMatchObject({
      name: 'NonRetryableError',
      code: 'unknown_template',
    });
    expect(await messagesTo(addr(6))).toHaveLength(0);
  });

  it('an unreachable SMTP server is a retryable outage', async () => {
    await user(7);
    const port = await freeLoopbackPort();
    const m = createSmtpMessenger(options({ smtp: { host: '127.0.0.1', port, timeoutMs: 2000 } }));
    const err = await m
      .send({ userId: 7, template: 'upgrade_offer_v1', payload: { offerPlanName: 'Pro' }, idempotencyKey: 'k8' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect((err as UpstreamUnavailableError).upstream).toBe('smtp');
  });

  it('driven by the executor, an effect sends exactly one message however often the action is executed', async () => {
    await user(8);
    await db('engine.cycles').insert({
      id: 'live-smtp',
      kind: 'cycle',
      trigger: 'api',
      requested_by: 'test',
      dry_run: false,
      phases: ['optimize'],
      logical_now: NOW,
    });
    const id = 'live-smtp:onboarding_nudge:8';
    await db('engine.actions').insert({
      id,
      cycle_id: 'live-smtp',
      phase: 'optimize',
      type: 'onboarding_nudge',
      target_type: 'user',
      target_id: '8',
      params: JSON.stringify({ userId: 8, template: 'onboarding_nudge_v1', signedUpAt: '2026-11-20T10:00:00Z' }),
      detection_confidence: 1,
      confidence: 0.95,
      mode: 'auto',
      status: 'planned',
      dry_run: false,
    });
    const deps: EffectDeps = {
      db,
      payments: createSandboxPaymentGateway(db, () => NOW),
      messenger: createSmtpMessenger(options()),
      now: () => NOW,
    };
    const first = await executeAction(deps, id);
    const again = await executeAction(deps, id);
    expect(first).toMatchObject({ status: 'executed', repeated: false });
    expect(again).toMatchObject({ status: 'executed', repeated: true });
    const sent = await messagesTo(addr(8));
    expect(sent).toHaveLength(1);
    expect(`<${sent[0]!.MessageID}>`).toBe(messageIdFor(first.effect!.idempotencyKey, 'floyo.example'));
    expect(first.effect!.response).toMatchObject({ messageId: `<${sent[0]!.MessageID}>` });
  });
});
