// One-click unsubscribe end to end, on a listening api: the public route (a GET only shows the page, the
// RFC 8058 POST suppresses once and audits once, a tampered link is a 400 problem), then a real email sent
// through the SMTP messenger (by the outbox relay) to Mailpit, its List-Unsubscribe URL read back through Mailpit's HTTP API and
// POSTed with the one-click body, after which the next message to that user is blocked by the gate.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeAction, type EffectDeps } from '../../activities/effects/executor';
import { relayOutboxBatch } from '../../activities/outbox-relay';
import { unsubscribeToken, unsubscribeUrl } from '../../activities/effects/unsubscribe-token';
import { listAudit } from '../../db/repos/audit';
import { setPolicy } from '../../db/repos/config';
import { createAdapters } from '../../worker/adapters';
import { mailpitServer } from '../helpers/local-servers';
import { E2E_UNSUBSCRIBE_SECRET, problemOf, setupE2E, type E2E } from './harness';

// Unique per run, so messages of other files or runs in the same Mailpit never match.
const RUN = `u${process.pid}${Date.now().toString(36)}`;
const addr = (n: number) => `user${n}.${RUN}@example.com`;
const ONE_CLICK = 'List-Unsubscribe=One-Click';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let e: E2E;
let base: string;

beforeAll(async () => {
  e = await setupE2E('unsubscribe');
  await e.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(e.app.server.address() as AddressInfo).port}`;
  await e.t
    .db('app.users')
    .insert([1, 2, 3].map((id) => ({ id, email: addr(id), created_at: new Date(Date.now() - 30 * 86_400_000) })));
});
afterAll(async () => {
  await e?.close();
});

const linkFor = (address: string) => unsubscribeUrl(base, E2E_UNSUBSCRIBE_SECRET, address);
const suppressionOf = (address: string) => e.t.db('engine.suppressions').where({ address }).first();

describe('the public unsubscribe route', () => {
  it('GET shows the address and a one-click button, and unsubscribes nothing', async () => {
    const res = await fetch(linkFor(addr(1)));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain(addr(1));
    expect(html).toContain('<form method="post"');
    expect(html).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(await suppressionOf(addr(1))).toBeUndefined();
  });

  it('POST with the one-click body suppresses the address once, audited once, without an API key', async () => {
    const first = await fetch(linkFor(addr(1)), { method: 'POST', headers: FORM, body: ONE_CLICK });
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('You are unsubscribed');
    const row = await suppressionOf(addr(1));
    expect(row).toMatchObject({ user_id: 1, reason: 'unsubscribe', source: 'list-unsubscribe-one-click' });
    const again = await fetch(linkFor(addr(1)), { method: 'POST', headers: FORM, body: ONE_CLICK });
    expect(again.status).toBe(200);
    expect(await e.t.db('engine.suppressions').where({ address: addr(1) })).toHaveLength(1);
    expect(await suppressionOf(addr(1))).toEqual(row);
    expect(await listAudit(e.t.db, { event: 'suppression.added', target: `address:${addr(1)}` })).toHaveLength(1);
    // The page now says so instead of offering the button.
    expect(await (await fetch(linkFor(addr(1)))).text()).not.toContain('<form');
  });

  it('refuses a tampered or foreign link, and any other body, with a 400 problem', async () => {
    const [encoded] = unsubscribeToken(E2E_UNSUBSCRIBE_SECRET, addr(2)).split('.');
    const [, signature] = unsubscribeToken(E2E_UNSUBSCRIBE_SECRET, addr(3)).split('.');
    const forged = `${base}/api/unsubscribe?token=${encoded}.${signature}`;
    const foreign = unsubscribeUrl(base, 'another secret', addr(2));
    for (const url of [forged, foreign]) {
      for (const init of [{}, { method: 'POST', headers: FORM, body: ONE_CLICK }]) {
        const res = await fetch(url, init);
        const p = problemOf({
          statusCode: res.status,
          headers: Object.fromEntries(res.headers),
          body: await res.text(),
        });
        expect(p).toMatchObject({ status: 400, type: 'urn:floyo:problem:invalid-unsubscribe-token' });
      }
    }
    for (const body of ['', 'List-Unsubscribe=Yes', 'unsubscribe=1']) {
      const res = await fetch(linkFor(addr(2)), { method: 'POST', headers: FORM, body });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const noToken = await e.app.inject({ method: 'GET', url: '/api/unsubscribe' });
    expect(problemOf(noToken).status).toBe(400);
    expect(await suppressionOf(addr(2))).toBeUndefined();
  });

  it('is in the OpenAPI document as public', async () => {
    const doc = (await e.app.inject({ url: '/docs/json' })).json();
    const ops = doc.paths['/api/unsubscribe'];
    expect(ops.get.security).toEqual([]);
    expect(ops.post.security).toEqual([]);
    expect(Object.keys(ops.post.requestBody.content)).toEqual(['application/x-www-form-urlencoded']);
  });
});

describe('an email from the SMTP messenger, unsubscribed through its own header', () => {
  it('records the suppression and the gate blocks the next message to that user', async () => {
    const mailpit = mailpitServer();
    const db = e.t.db;
    const adapters = createAdapters(
      db,
      {
        PAYMENT_GATEWAY: 'sandbox',
        STRIPE_API_KEY: undefined,
        STRIPE_API_BASE: undefined,
        MESSENGER: 'smtp',
        SMTP_URL: `smtp://${mailpit.smtpHost}:${mailpit.smtpPort}`,
        MAIL_FROM: 'Floyo <hello@floyo.example>',
        UNSUBSCRIBE_SECRET: E2E_UNSUBSCRIBE_SECRET,
        PUBLIC_BASE_URL: base,
        FLOYO_API_URL: base,
        MESSAGE_WEBHOOK_URL: undefined,
        MESSAGE_WEBHOOK_SECRET: undefined,
        OUTBOX_RELAY_BATCH_SIZE: 50,
        OUTBOX_RELAY_MAX_ATTEMPTS: 8,
        OUTBOX_RELAY_RETRY_SECONDS: 30,
        OUTBOX_RELAY_LEASE_SECONDS: 60,
      },
      () => new Date(),
    );
    const deps: EffectDeps = { db, payments: adapters.payments, messenger: adapters.messenger, now: () => new Date() };
    // Only the recipient gate may stop the second message: the contact cap is opened wide.
    await setPolicy(db, 'contact_cap', { maxMessages: 10, windowDays: 7 }, 'test', 'isolate the recipient gate');
    await db('engine.cycles').insert({
      id: `live-${RUN}`,
      kind: 'cycle',
      trigger: 'api',
      requested_by: 'test',
      dry_run: false,
      phases: ['optimize'],
      logical_now: new Date(),
    });
    const planned = async (type: string, template: string) => {
      const id = `live-${RUN}:${type}:3`;
      await db('engine.actions').insert({
        id,
        cycle_id: `live-${RUN}`,
        phase: 'optimize',
        type,
        target_type: 'user',
        target_id: '3',
        params: JSON.stringify({ userId: 3, template }),
        detection_confidence: 1,
        confidence: 0.95,
        mode: 'auto',
        status: 'planned',
        dry_run: false,
      });
      return id;
    };

    const sent = await executeAction(deps, await planned('onboarding_nudge', 'onboarding_nudge_v1'));
    expect(sent.status, sent.reason ?? '').toBe('executed');
    // The effect accepted the message into engine.outbox; the outbox relay delivers it to Mailpit.
    expect(await relayOutboxBatch({ db, outboxRelay: adapters.outboxRelay })).toMatchObject({ delivered: 1 });

    const search = await fetch(`${mailpit.apiUrl}/api/v1/search?query=${encodeURIComponent(`to:"${addr(3)}"`)}`);
    const { messages } = (await search.json()) as { messages: Array<{ ID: string }> };
    expect(messages).toHaveLength(1);
    const headers = (await (
      await fetch(`${mailpit.apiUrl}/api/v1/message/${messages[0]!.ID}/headers`)
    ).json()) as Record<string, string[]>;
    expect(headers['List-Unsubscribe-Post']).toEqual([ONE_CLICK]);
    const link = /^<(http[^>]+)>$/.exec(headers['List-Unsubscribe']![0]!)![1]!;
    expect(link.startsWith(`${base}/api/unsubscribe?token=`)).toBe(true);

    // What a mailbox provider does when the user clicks "Unsubscribe" (RFC 8058 §3.2).
    const res = await fetch(link, { method: 'POST', headers: FORM, body: ONE_CLICK });
    expect(res.status).toBe(200);
    expect(await suppressionOf(addr(3))).toMatchObject({ user_id: 3, reason: 'unsubscribe' });

    const next = await executeAction(deps, await planned('retention_campaign', 'retention_campaign_v1'));
    expect(next.status).toBe('blocked');
    expect(next.reason).toMatch(
      /^recipient: user 3's address is suppressed \(unsubscribe via list-unsubscribe-one-click/,
    );
    const after = await fetch(`${mailpit.apiUrl}/api/v1/search?query=${encodeURIComponent(`to:"${addr(3)}"`)}`);
    expect(((await after.json()) as { messages: unknown[] }).messages).toHaveLength(1);
  });
});
