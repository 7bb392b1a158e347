// deliverAlert on real PostgreSQL and a real local HTTP receiver: routing's planned deliveries are sent once
// per dedupe key (a repeat sends nothing), an outage leaves the row pending with its error and the retry
// delivers it, a refusal is recorded failed, a dry run is recorded skipped without a request, and each
// settled delivery lands once in the audit log.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliverAlert } from '../../activities/alerts/deliver';
import { AlertDeliveryError } from '../../activities/alerts/delivery-error';
import { createPagerDutyChannel } from '../../activities/alerts/pagerduty';
import type { Alert, AlertChannel } from '../../activities/alerts/port';
import { createSlackChannel } from '../../activities/alerts/slack';
import { NonRetryableError } from '../../activities/effects/errors';
import { listAlertDeliveries } from '../../db/repos/alert-deliveries';
import { DEFAULT_ALERT_POLICY } from '../../engine/alerts/policy';
import { decideDeliveries, type FindingAlertState } from '../../engine/alerts/routing';
import { createTestDb, type TestDb } from '../helpers/db';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver';

const NOW = '2026-11-20T12:00:00.000Z';
const links = {
  dashboardUrl: 'http://127.0.0.1:3000',
  temporalUiUrl: 'http://127.0.0.1:8233',
  temporalNamespace: 'default',
};
let t: TestDb;
let rx: HttpReceiver;
let channels: Map<string, AlertChannel>;
let findingId: number;

beforeAll(async () => {
  t = await createTestDb('alert_delivery');
  rx = await startHttpReceiver(undefined, { status: 202, body: '{"status":"success"}' });
  channels = new Map<string, AlertChannel>([
    [
      'pagerduty',
      createPagerDutyChannel({ routingKey: 'R0123456789ABCDEF0123456789ABCDE', eventsUrl: `${rx.url}/pd`, links }),
    ],
    ['slack', createSlackChannel({ webhookUrl: `${rx.url}/slack`, links })],
  ]);
  await t.db('engine.cycles').insert({
    id: 'mon-1',
    kind: 'monitor',
    trigger: 'schedule',
    dry_run: false,
    phases: ['monitor'],
    logical_now: NOW,
  });
  [{ id: findingId }] = await t
    .db('engine.findings')
    .insert({
      fingerprint: 'system_health:event_freshness',
      detector: 'system_health',
      kind: 'event_freshness',
      category: 'issue',
      severity: 'critical',
      confidence: 0.95,
      title: 'No events for 48 h',
      evidence: { count: 0, hoursSinceLastEvent: 48 },
      first_seen_at: NOW,
      last_seen_at: NOW,
      first_cycle_id: 'mon-1',
      last_cycle_id: 'mon-1',
    })
    .returning('id');
});
afterAll(async () => {
  await rx?.close();
  await t?.drop();
});
beforeEach(() => {
  rx.requests.length = 0;
  rx.reply({ status: 202, body: '{"status":"success"}' });
});

const state = (): FindingAlertState => ({
  findingId,
  fingerprint: 'system_health:event_freshness',
  severity: 'critical',
  detector: 'system_health',
  status: 'open',
  transitions: [{ at: NOW, status: 'open' }],
});
const alertFor = (kind: Alert['kind'], dedupeKey: string, dryRun = false): Alert => ({
  kind,
  dedupeKey,
  cycleId: 'mon-1',
  at: NOW,
  dryRun,
  finding: {
    id: findingId,
    fingerprint: 'system_health:event_freshness',
    title: 'No events for 48 h',
    severity: 'critical',
    detector: 'system_health',
    kind: 'event_freshness',
    confidence: 0.95,
    evidence: { count: 0, hoursSinceLastEvent: 48 },
    firstSeenAt: NOW,
    lastSeenAt: NOW,
  },
});
const history = async () =>
  (await listAlertDeliveries(t.db, findingId)).map((d) => ({
    channel: d.channel,
    kind: d.kind,
    dedupeKey: d.dedupeKey,
    createdAt: d.createdAt,
  }));
const policy = {
  ...DEFAULT_ALERT_POLICY,
  routes: { ...DEFAULT_ALERT_POLICY.routes, critical: ['pagerduty', 'slack'] },
};

describe('deliverAlert', () => {
  it('delivers what routing planned once; deciding again from the recorded history plans nothing', async () => {
    const planned = decideDeliveries({ finding: state(), deliveries: await history(), policy, now: NOW }).deliveries;
    expect(planned.map((p) => p.channel)).toEqual(['pagerduty', 'slack']);
    for (const p of planned)
      await deliverAlert({ db: t.db, channels }, { channel: p.channel, alert: alertFor(p.kind, p.dedupeKey) });
    for (const p of planned)
      await deliverAlert({ db: t.db, channels }, { channel: p.channel, alert: alertFor(p.kind, p.dedupeKey) });
    expect(rx.requests.map((r) => r.path)).toEqual(['/pd', '/slack']);
    const rows = await listAlertDeliveries(t.db, findingId);
    expect(rows.map((r) => [r.channel, r.status, r.attempts])).toEqual([
      ['pagerduty', 'delivered', 1],
      ['slack', 'delivered', 1],
    ]);
    expect(rows[0]!.response).toEqual({ status: 'success' });
    expect(rows[0]!.deliveredAt).not.toBeNull();
    expect(decideDeliveries({ finding: state(), deliveries: await history(), policy, now: NOW }).deliveries).toEqual(
      [],
    );
    const audit = await t.db('engine.audit_log').where({ event: 'alert.delivered' }).orderBy('id');
    expect(audit.map((a) => a.after.channel)).toEqual(['pagerduty', 'slack']);
  });

  it('an outage leaves it pending with the error; the retry delivers it under the same key', async () => {
    rx.reply({ status: 503, body: 'unavailable' }, { status: 202, body: '{}' });
    const alert = alertFor('remind', 'system_health:event_freshness:slack:remind:0:1');
    await expect(deliverAlert({ db: t.db, channels }, { channel: 'slack', alert })).rejects.toBeInstanceOf(
      AlertDeliveryError,
    );
    let [row] = await t.db('engine.alert_deliveries').where({ dedupe_key: alert.dedupeKey });
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row.last_error).toMatch(/answered 503 unavailable/);
    await deliverAlert({ db: t.db, channels }, { channel: 'slack', alert });
    [row] = await t.db('engine.alert_deliveries').where({ dedupe_key: alert.dedupeKey });
    expect(row).toMatchObject({ status: 'delivered', attempts: 2, last_error: null });
  });

  it('a refusal is recorded failed and audited; a dry run is skipped without a request', async () => {
    rx.reply({ status: 400, body: 'invalid_payload' });
    const refused = alertFor('trigger', 'k:refused');
    await expect(deliverAlert({ db: t.db, channels }, { channel: 'slack', alert: refused })).rejects.toBeInstanceOf(
      NonRetryableError,
    );
    expect(await t.db('engine.alert_deliveries').where({ dedupe_key: 'k:refused' }).first()).toMatchObject({
      status: 'failed',
    });
    expect(
      await t.db('engine.audit_log').where({ event: 'alert.failed', dedupe_key: 'alert.failed:k:refused' }),
    ).toHaveLength(1);
    rx.requests.length = 0;
    const dry = await deliverAlert(
      { db: t.db, channels },
      { channel: 'pagerduty', alert: alertFor('trigger', 'k:dry', true) },
    );
    expect(dry).toMatchObject({ status: 'skipped', dryRun: true });
    expect(rx.requests).toHaveLength(0);
    expect(await t.db('engine.audit_log').where({ event: 'alert.skipped' }).first()).toMatchObject({ dry_run: true });
  });

  it('an unknown channel is a non-retryable configuration error', async () => {
    await expect(
      deliverAlert({ db: t.db, channels }, { channel: 'teams', alert: alertFor('trigger', 'k:teams') }),
    ).rejects.toThrow('alert channel "teams" is not configured');
  });
});
