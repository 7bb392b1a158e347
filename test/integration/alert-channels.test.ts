// The Slack, PagerDuty and webhook alert channels against a real HTTP receiver on 127.0.0.1 that checks each
// payload for the fields the provider's API documents as required (PagerDuty Events API v2: routing_key,
// event_action, dedup_key, payload.summary/source/severity on a trigger; Slack: text and blocks; Standard
// Webhooks: a valid signature); an outage (503, then 202) is a retryable error, then a delivery.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { AlertDeliveryError } from '../../activities/alerts/delivery-error';
import { createPagerDutyChannel } from '../../activities/alerts/pagerduty';
import type { Alert } from '../../activities/alerts/port';
import { createSlackChannel } from '../../activities/alerts/slack';
import { createWebhookChannel } from '../../activities/alerts/webhook';
import { NonRetryableError } from '../../activities/effects/errors';
import { pagerDutyEvent, problems, slackMessage } from '../helpers/alert-payloads';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver';

const links = {
  dashboardUrl: 'http://127.0.0.1:3000/',
  temporalUiUrl: 'http://127.0.0.1:8233',
  temporalNamespace: 'default',
};
const SECRET = `whsec_${Buffer.from('a-test-signing-secret-of-32-bytes!').toString('base64')}`;

const alert = (kind: Alert['kind'], over: Partial<Alert> = {}): Alert => ({
  kind,
  dedupeKey: `billing:failed_payments_due:pagerduty:${kind}:0`,
  cycleId: 'cycle-20261120T120000-abc123',
  at: '2026-11-20T12:00:00.000Z',
  dryRun: false,
  finding: {
    id: 7,
    fingerprint: 'billing:failed_payments_due',
    title: '42 failed payments are due for a retry',
    severity: 'critical',
    detector: 'billing',
    kind: 'failed_payments_due',
    confidence: 0.93,
    evidence: { count: 42, amountCents: 125_000, sampleIds: [1, 2, 3, 4, 5, 6, 7] },
    firstSeenAt: '2026-11-20T08:00:00.000Z',
    lastSeenAt: '2026-11-20T12:00:00.000Z',
  },
  ...over,
});

describe('PagerDuty channel', () => {
  let rx: HttpReceiver;
  const routingKey = 'R0123456789ABCDEF0123456789ABCDE';
  beforeAll(async () => {
    rx = await startHttpReceiver(problems(pagerDutyEvent), { status: 202, body: '{"status":"success"}' });
  });
  afterAll(() => rx.close());
  beforeEach(() => {
    rx.requests.length = 0;
    rx.reply({ status: 202, body: '{"status":"success","message":"Event processed"}' });
  });
  const channel = () => createPagerDutyChannel({ routingKey, eventsUrl: `${rx.url}/v2/enqueue`, links });

  it('triggers with the fingerprint as dedup_key and resolves with the same key', async () => {
    const triggered = await channel().send(alert('trigger'));
    expect(triggered).toMatchObject({ channel: 'pagerduty', status: 'delivered', httpStatus: 202 });
    expect(triggered.response).toMatchObject({ status: 'success' });
    await channel().send(alert('resolve'));
    const [trigger, resolve] = rx.requests.map((r) => JSON.parse(r.body));
    expect(rx.requests.map((r) => r.path)).toEqual(['/v2/enqueue', '/v2/enqueue']);
    expect(trigger).toMatchObject({
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: 'billing:failed_payments_due',
      payload: { summary: '42 failed payments are due for a retry', source: 'floyo-engine', severity: 'critical' },
    });
    expect(trigger.links.map((l: { href: string }) => l.href)).toEqual([
      'http://127.0.0.1:3000/insights',
      'http://127.0.0.1:8233/namespaces/default/workflows/cycle-20261120T120000-abc123',
    ]);
    expect(resolve).toEqual({
      routing_key: routingKey,
      event_action: 'resolve',
      dedup_key: 'billing:failed_payments_due',
    });
  });

  it('maps high/medium/low to error/warning/info', async () => {
    for (const severity of ['high', 'medium', 'low'] as const) {
      await channel().send(alert('trigger', { finding: { ...alert('trigger').finding, severity } }));
    }
    expect(rx.requests.map((r) => JSON.parse(r.body).payload.severity)).toEqual(['error', 'warning', 'info']);
  });

  it('an outage (503) is retryable, then the retry is delivered', async () => {
    rx.reply(
      { status: 503, body: 'upstream unavailable', headers: { 'retry-after': '30' } },
      { status: 202, body: '{}' },
    );
    const err = await channel()
      .send(alert('trigger'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlertDeliveryError);
    expect(err).toMatchObject({ httpStatus: 503, retryAfterSeconds: 30 });
    expect((err as Error).message).toMatch(/answered 503 upstream unavailable; will retry/);
    await expect(channel().send(alert('trigger'))).resolves.toMatchObject({ status: 'delivered', httpStatus: 202 });
    expect(rx.requests).toHaveLength(2);
  });

  it('429 is retryable; a 400 (a bad routing key here) is non-retryable and names the status', async () => {
    rx.reply({ status: 429, body: 'slow down' });
    await expect(channel().send(alert('trigger'))).rejects.toBeInstanceOf(AlertDeliveryError);
    const bad = createPagerDutyChannel({ routingKey: 'short', eventsUrl: `${rx.url}/v2/enqueue`, links });
    const err = await bad.send(alert('trigger')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonRetryableError);
    expect((err as NonRetryableError).code).toBe('http_400');
    expect((err as Error).message).toMatch(/refused the alert with 400 invalid_payload/);
  });

  it('a refused connection is retryable; a dry run sends nothing', async () => {
    const closed = await startHttpReceiver();
    const url = closed.url;
    await closed.close();
    const down = createPagerDutyChannel({ routingKey, eventsUrl: url, links, timeoutMs: 2000 });
    await expect(down.send(alert('trigger'))).rejects.toThrow(/could not reach http:\/\/127\.0\.0\.1:\d+ .*will retry/);
    await expect(channel().send(alert('trigger', { dryRun: true }))).resolves.toEqual({
      channel: 'pagerduty',
      status: 'skipped_dry_run',
    });
    expect(rx.requests).toHaveLength(0);
  });
});

describe('Slack channel', () => {
  let rx: HttpReceiver;
  beforeAll(async () => {
    rx = await startHttpReceiver(problems(slackMessage));
  });
  afterAll(() => rx.close());

  it('posts a Block Kit message with title, severity, evidence and both links', async () => {
    const slack = createSlackChannel({ webhookUrl: `${rx.url}/services/T000/B000/XXXX`, links });
    await expect(slack.send(alert('trigger'))).resolves.toMatchObject({
      status: 'delivered',
      httpStatus: 200,
      response: 'ok',
    });
    const body = JSON.parse(rx.requests[0]!.body);
    const text = JSON.stringify(body.blocks);
    expect(body.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: 'CRITICAL: 42 failed payments are due for a retry' },
    });
    expect(text).toContain('count 42; amountCents 125000; sample ids 1, 2, 3, 4, 5 (+2 more)');
    expect(text).toContain('http://127.0.0.1:3000/insights');
    expect(text).toContain('http://127.0.0.1:8233/namespaces/default/workflows/cycle-20261120T120000-abc123');
    expect(body.text).toMatch(/42 failed payments/);
  });

  it('an outage is retryable then delivered; Slack refusing the payload (404 no_service) is not', async () => {
    const slack = createSlackChannel({ webhookUrl: `${rx.url}/services/x`, links });
    rx.reply({ status: 503, body: 'service_unavailable' }, { status: 200, body: 'ok' });
    await expect(slack.send(alert('remind'))).rejects.toBeInstanceOf(AlertDeliveryError);
    await expect(slack.send(alert('remind'))).resolves.toMatchObject({ status: 'delivered' });
    rx.reply({ status: 404, body: 'no_service' });
    await expect(slack.send(alert('resolve'))).rejects.toThrow(/refused the alert with 404 no_service/);
  });
});

describe('signed webhook channel', () => {
  let rx: HttpReceiver;
  const verifier = new Webhook(SECRET);
  beforeAll(async () => {
    rx = await startHttpReceiver(
      (req) => {
        try {
          verifier.verify(req.body, req.headers as Record<string, string>);
          return null;
        } catch (err) {
          return `bad signature: ${(err as Error).message}`;
        }
      },
      { status: 204 },
    );
  });
  afterAll(() => rx.close());

  it('signs per Standard Webhooks with the dedupe key as webhook-id', async () => {
    const hook = createWebhookChannel({ url: `${rx.url}/hooks/floyo`, secret: SECRET, links });
    await expect(hook.send(alert('trigger'))).resolves.toMatchObject({ status: 'delivered', httpStatus: 204 });
    const req = rx.requests[0]!;
    expect(req.headers['webhook-id']).toBe('billing:failed_payments_due:pagerduty:trigger:0');
    const body = verifier.verify(req.body, req.headers as Record<string, string>) as Record<string, any>;
    expect(body).toMatchObject({
      type: 'alert.trigger',
      data: { finding: { fingerprint: 'billing:failed_payments_due' } },
    });
  });

  it('a receiver with another secret refuses it (non-retryable); a stale timestamp is refused too', async () => {
    const other = createWebhookChannel({
      url: rx.url,
      secret: `whsec_${Buffer.from('another-secret-entirely-32-bytes!!').toString('base64')}`,
      links,
    });
    await expect(other.send(alert('trigger'))).rejects.toThrow(/400 bad signature/);
    const stale = createWebhookChannel({
      url: rx.url,
      secret: SECRET,
      links,
      clock: () => new Date(Date.now() - 3_600_000),
    });
    await expect(stale.send(alert('trigger'))).rejects.toBeInstanceOf(NonRetryableError);
  });

  it('an outage (503 then 202) is retryable, then delivered with the same webhook-id', async () => {
    const hook = createWebhookChannel({ url: rx.url, secret: SECRET, links });
    rx.requests.length = 0;
    rx.reply({ status: 503 }, { status: 202 });
    await expect(hook.send(alert('resolve'))).rejects.toBeInstanceOf(AlertDeliveryError);
    await expect(hook.send(alert('resolve'))).resolves.toMatchObject({ httpStatus: 202 });
    expect(new Set(rx.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
  });
});
