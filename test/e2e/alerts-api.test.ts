// The alert routes over HTTP on real PostgreSQL: a finding's deliveries in order with status, attempts and last
// error (a 404 problem for an unknown finding), and per-channel health — configured or not, last success, last
// failure and its error, counts — which counts live deliveries only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimAlertDelivery, settleAlertDelivery } from '../../db/repos/alert-deliveries';
import { insertCycle, insertFinding, minutes } from './fixtures';
import { problemOf, setupE2E, type E2E } from './harness';

let e: E2E;
let findingId: number;
const FP = 'system_health:event_freshness';

beforeAll(async () => {
  e = await setupE2E('alerts-api', {
    alertChannels: {
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/x',
      PAGERDUTY_ROUTING_KEY: 'R0123456789ABCDEF0123456789ABCDE',
      PAGERDUTY_EVENTS_URL: undefined,
      ALERT_WEBHOOK_URL: undefined,
      ALERT_WEBHOOK_SECRET: undefined,
      PUBLIC_BASE_URL: undefined,
      FLOYO_API_URL: 'http://127.0.0.1:3000',
      TEMPORAL_UI_URL: undefined,
      TEMPORAL_NAMESPACE: 'default',
    },
  });
  await insertCycle(e.t.db, { id: 'c-alerts-1', startedAt: minutes(0), dryRun: false, trigger: 'schedule' });
  findingId = await insertFinding(e.t.db, {
    fingerprint: FP,
    category: 'issue',
    severity: 'critical',
    cycleId: 'c-alerts-1',
  });
  const claim = (channel: string, kind: 'trigger' | 'resolve', dedupeKey: string, dryRun = false) =>
    claimAlertDelivery(e.t.db, { findingId, cycleId: 'c-alerts-1', channel, kind, dedupeKey, dryRun });
  await claim('pagerduty', 'trigger', `${FP}:pagerduty:trigger:0`);
  await settleAlertDelivery(e.t.db, `${FP}:pagerduty:trigger:0`, {
    status: 'delivered',
    response: { status: 'success' },
  });
  await claim('slack', 'trigger', `${FP}:slack:trigger:0`);
  await settleAlertDelivery(e.t.db, `${FP}:slack:trigger:0`, {
    status: 'pending',
    error: 'slack: answered 503; will retry',
  });
  await claim('webhook', 'trigger', `${FP}:webhook:trigger:0`);
  await settleAlertDelivery(e.t.db, `${FP}:webhook:trigger:0`, {
    status: 'failed',
    error: 'webhook: refused with 401',
  });
  await claim('slack', 'trigger', `dry-run:${FP}:slack:trigger:0`, true);
  await settleAlertDelivery(e.t.db, `dry-run:${FP}:slack:trigger:0`, { status: 'skipped' });
});
afterAll(async () => {
  await e?.close();
});

describe('alert routes', () => {
  it("lists a finding's deliveries, oldest first, without the provider's answer", async () => {
    const res = await e.app.inject({
      url: `/api/autonomous/findings/${findingId}/alert-deliveries`,
      headers: e.as('viewer'),
    });
    expect(res.statusCode).toBe(200);
    const { items } = res.json();
    expect(items.map((d: Record<string, unknown>) => [d.channel, d.kind, d.status, d.attempts, d.dryRun])).toEqual([
      ['pagerduty', 'trigger', 'delivered', 1, false],
      ['slack', 'trigger', 'pending', 1, false],
      ['webhook', 'trigger', 'failed', 1, false],
      ['slack', 'trigger', 'skipped', 1, true],
    ]);
    expect(items[1].lastError).toBe('slack: answered 503; will retry');
    expect(items[0].deliveredAt).not.toBeNull();
    expect(items[0]).not.toHaveProperty('response');
  });

  it('answers 404 problem+json for an unknown finding and 400 for a bad id', async () => {
    const missing = await e.app.inject({
      url: '/api/autonomous/findings/999999/alert-deliveries',
      headers: e.as('viewer'),
    });
    expect(missing.statusCode).toBe(404);
    expect(problemOf(missing).detail).toMatch(/No finding with id 999999/);
    const bad = await e.app.inject({ url: '/api/autonomous/findings/abc/alert-deliveries', headers: e.as('viewer') });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors?.[0]?.path).toBe('findingId');
  });

  it('reports each channel: configured, last success, last failure with its error, live counts', async () => {
    const res = await e.app.inject({ url: '/api/autonomous/alerts/channels', headers: e.as('viewer') });
    expect(res.statusCode).toBe(200);
    const { channels } = res.json();
    expect(
      channels.map((c: Record<string, unknown>) => [c.channel, c.configured, c.delivered, c.pending, c.failed]),
    ).toEqual([
      ['pagerduty', true, 1, 0, 0],
      ['slack', true, 0, 1, 0],
      ['webhook', false, 0, 0, 1],
    ]);
    const [pagerduty, slack, webhook] = channels;
    expect(pagerduty.lastSuccessAt).not.toBeNull();
    expect(pagerduty.lastFailureAt).toBeNull();
    expect(slack).toMatchObject({ lastSuccessAt: null, lastError: 'slack: answered 503; will retry' });
    expect(webhook.lastError).toBe('webhook: refused with 401');
  });

  it('edits the alerts policy like any other: defaults filled in, a bad silence refused naming the field', async () => {
    const put = (value: unknown) =>
      e.app.inject({
        method: 'PUT',
        url: '/api/autonomous/policies/alerts',
        headers: e.as('admin'),
        payload: { value, reason: 'maintenance window' },
      });
    const bad = await put({
      silences: [{ startsAt: '2026-12-02T22:00:00Z', endsAt: '2026-12-02T21:00:00Z', reason: 'maintenance' }],
    });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors?.map((x) => x.path)).toContain('value.silences.0.endsAt');
    const ok = await put({
      silences: [{ startsAt: '2026-12-02T22:00:00Z', endsAt: '2026-12-03T02:00:00Z', reason: 'maintenance' }],
    });
    expect(ok.statusCode).toBe(200);
    const got = await e.app.inject({ url: '/api/autonomous/policies/alerts', headers: e.as('viewer') });
    expect(got.json().current.value).toMatchObject({
      routes: { critical: ['pagerduty', 'slack', 'webhook'] },
      reminders: { everyMinutes: 240 },
      silences: [expect.objectContaining({ reason: 'maintenance' })],
    });
  });
});
