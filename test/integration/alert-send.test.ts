// Alerts end to end on the real dev server and real PostgreSQL, with a local HTTP receiver standing in for Slack
// and PagerDuty that answers 400 to any payload missing a documented field: a live monitor run pages a critical
// finding once on each channel, later runs do not re-page while it stays open, its resolution resolves the page
// with the same dedup_key, an outage is retried by the activity and delivered, an outage that outlasts the
// activity is delivered by the next run, a dry run records its alerts skipped without sending or using up the
// live page, a flapping finding is held until an operator loosens the policy, and a silence holds alerts while
// the heal phase plans as usual.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertDeliveryError } from '../../activities/alerts/delivery-error';
import { setPolicy } from '../../db/repos/config';
import { DEFAULT_ALERT_POLICY } from '../../engine/alerts/policy';
import { seedDemoData } from '../../scripts/seed/generate';
import { autoRemediate, autonomousCycle, monitorAndRespond } from '../../workflows';
import { createAlertChannels } from '../../worker/alert-channels';
import { pagerDutyEvent, problems, slackMessage } from '../helpers/alert-payloads';
import { createTestDb, type TestDb } from '../helpers/db';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from '../helpers/http-receiver';
import { startTestWorker, type TestWorker } from '../helpers/temporal';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const HOUR = 3_600_000;
const at = (hours: number) => new Date(NOW.getTime() + hours * HOUR);
const FINGERPRINT = 'system_health:event_freshness';
const ROUTING_KEY = 'R0123456789ABCDEF0123456789ABCDE';
const OK = { status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"x"}' };
let t: TestDb;
let w: TestWorker;
let rx: HttpReceiver;
let run = 0;

// Each path checked against its provider's documented fields.
const byPath = (req: ReceivedRequest) =>
  req.path === '/pd/v2/enqueue'
    ? problems(pagerDutyEvent)(req)
    : req.path === '/slack/services/T0/B0/secret'
      ? problems(slackMessage)(req)
      : `unexpected path ${req.path}`;

beforeAll(async () => {
  t = await createTestDb('alert_send');
  await seedDemoData(t.db, { users: 300, seed: 5, now: NOW });
  // Only critical findings alert here (the stuck payments a two-day gap also shows are high): a policy edit, as
  // an admin makes it through the api.
  await setPolicy(
    t.db,
    'alerts',
    { ...DEFAULT_ALERT_POLICY, routes: { critical: ['pagerduty', 'slack'], high: [], medium: [], low: [], info: [] } },
    'test',
    'critical only',
  );
  rx = await startHttpReceiver(byPath, OK);
  const alertChannels = createAlertChannels({
    SLACK_WEBHOOK_URL: `${rx.url}/slack/services/T0/B0/secret`,
    PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
    PAGERDUTY_EVENTS_URL: `${rx.url}/pd/v2/enqueue`,
    ALERT_WEBHOOK_URL: undefined,
    ALERT_WEBHOOK_SECRET: undefined,
    PUBLIC_BASE_URL: undefined,
    FLOYO_API_URL: 'http://127.0.0.1:3000',
    TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
    TEMPORAL_NAMESPACE: 'default',
  });
  w = await startTestWorker(t.db, { label: 'alert-send', deps: { alertChannels } });
});
afterAll(async () => {
  await w?.shutdown();
  await rx?.close();
  await t?.drop();
});
beforeEach(() => {
  rx.requests.length = 0;
  rx.reply(OK);
});

async function monitor(now: Date, dryRun = false): Promise<string> {
  const workflowId = `test-alert-send-${process.pid}-${Date.now().toString(36)}-${++run}`;
  await w.client.workflow.execute(monitorAndRespond, {
    workflowId,
    taskQueue: w.taskQueue,
    args: [{ dryRun, trigger: 'api', now: now.toISOString() }],
  });
  return workflowId;
}

/** One event at `when`, so the freshness detector sees events flowing again. */
async function eventAt(when: Date): Promise<void> {
  const { id } = (await t.db('app.events').max({ id: 'id' }).first()) as { id: string };
  const user = await t.db('app.users').first('id');
  await t.db('app.events').insert({ id: Number(id) + 1, user_id: user.id, name: 'session_started', occurred_at: when });
}

const sent = () =>
  rx.requests.map((r) => {
    const body = JSON.parse(r.body);
    return r.path.startsWith('/pd') ? `pagerduty ${body.event_action} ${body.dedup_key}` : `slack ${body.text}`;
  });
const deliveries = () =>
  t
    .db('engine.alert_deliveries')
    .orderBy('id')
    .select('channel', 'kind', 'dedupe_key', 'status', 'attempts', 'dry_run', 'last_error');

describe('alert delivery from the monitor and the cycle', () => {
  it('pages a critical finding once on each routed channel, with the documented payloads', async () => {
    const monitorId = await monitor(at(48)); // two days without an event
    expect(rx.requests.map((r) => r.path).sort()).toEqual(['/pd/v2/enqueue', '/slack/services/T0/B0/secret']);
    const pd = JSON.parse(rx.requests.find((r) => r.path.startsWith('/pd'))!.body);
    expect(pd).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: FINGERPRINT,
      payload: { source: 'floyo-engine', severity: 'critical', component: 'system_health' },
    });
    expect(pd.links[1].href).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${monitorId}`);
    const slack = JSON.parse(rx.requests.find((r) => r.path.startsWith('/slack'))!.body);
    expect(slack.blocks[0].text.text).toMatch(/^CRITICAL: /);
    expect(await deliveries()).toEqual([
      expect.objectContaining({ channel: 'pagerduty', kind: 'trigger', status: 'delivered', attempts: 1 }),
      expect.objectContaining({ channel: 'slack', kind: 'trigger', status: 'delivered', attempts: 1 }),
    ]);
    // Linked to the monitor's alert row, and audited once each.
    const rows = await t.db('engine.alert_deliveries').whereNotNull('alert_id');
    expect(rows).toHaveLength(2);
    const audit = await t.db('engine.audit_log').where({ event: 'alert.delivered', cycle_id: monitorId });
    expect(audit.map((a) => a.after.channel).sort()).toEqual(['pagerduty', 'slack']);
  });

  it('does not re-page while the finding stays open', async () => {
    await monitor(at(49));
    expect(rx.requests).toEqual([]);
    expect(await deliveries()).toHaveLength(2);
  });

  it('resolves the page with the same dedup_key when the finding resolves', async () => {
    await eventAt(at(50));
    await monitor(at(50));
    expect(sent().sort()).toEqual([`pagerduty resolve ${FINGERPRINT}`, expect.stringMatching(/^slack .*Resolved: /)]);
    expect((await deliveries()).slice(2)).toEqual([
      expect.objectContaining({ channel: 'pagerduty', kind: 'resolve', status: 'delivered' }),
      expect.objectContaining({ channel: 'slack', kind: 'resolve', status: 'delivered' }),
    ]);
  });

  it('retries an outage within the run and delivers the new episode once', async () => {
    // Both providers answer 503 to the first attempt; Temporal retries the activity 5 s later.
    rx.reply({ status: 503, body: 'upstream unavailable' }, { status: 503, body: 'upstream unavailable' }, OK);
    await monitor(at(120));
    const triggers = sent().filter((s) => s.startsWith('pagerduty'));
    expect(triggers).toEqual([`pagerduty trigger ${FINGERPRINT}`, `pagerduty trigger ${FINGERPRINT}`]);
    expect((await deliveries()).slice(4)).toEqual([
      expect.objectContaining({ kind: 'trigger', dedupe_key: `${FINGERPRINT}:pagerduty:trigger:1`, attempts: 2 }),
      expect.objectContaining({ kind: 'trigger', dedupe_key: `${FINGERPRINT}:slack:trigger:1`, attempts: 2 }),
    ]);
    expect((await deliveries()).every((d) => d.status === 'delivered' && d.last_error === null)).toBe(true);
  }, 60_000);

  it('a dry run records its alerts skipped, sends nothing and leaves the live page as it is', async () => {
    const dryId = await monitor(at(120.5), true);
    expect(rx.requests).toEqual([]);
    const dry = await t.db('engine.alert_deliveries').where({ cycle_id: dryId }).orderBy('id');
    expect(dry.map((d) => [d.channel, d.kind, d.status, d.dedupe_key])).toEqual([
      ['pagerduty', 'trigger', 'skipped', `dry-run:${FINGERPRINT}:pagerduty:trigger:0`],
      ['slack', 'trigger', 'skipped', `dry-run:${FINGERPRINT}:slack:trigger:0`],
    ]);
    expect(await t.db('engine.audit_log').where({ event: 'alert.skipped', cycle_id: dryId })).toHaveLength(2);
  });

  it('an outage that outlasts the activity leaves the deliveries pending; the next run sends them', async () => {
    // A dry run records the resolution (and rehearses its own resolves); the live pages are still open. The live
    // alert step then meets a provider that stays down (called directly: its retries would take minutes).
    await eventAt(at(121));
    await monitor(at(121), true);
    expect(rx.requests).toEqual([]);
    const lastLive = (await t.db('engine.cycles').where({ dry_run: false }).orderBy('started_at', 'desc').first()).id;
    rx.reply({ status: 503, body: 'upstream unavailable' });
    await expect(
      w.activities.sendAlerts({ cycleId: lastLive, kind: 'monitor', dryRun: false, now: at(121).toISOString() }),
    ).rejects.toBeInstanceOf(AlertDeliveryError);
    const pending = await t.db('engine.alert_deliveries').where({ status: 'pending' });
    expect(pending.map((p) => [p.channel, p.kind, p.attempts])).toEqual([
      ['pagerduty', 'resolve', 1],
      ['slack', 'resolve', 1],
    ]);
    expect(pending[0].last_error).toMatch(/answered 503 upstream unavailable; will retry/);

    rx.reply(OK);
    rx.requests.length = 0;
    await monitor(at(122));
    expect(sent().sort()).toEqual([`pagerduty resolve ${FINGERPRINT}`, expect.stringMatching(/^slack .*Resolved: /)]);
    const resolved = await t.db('engine.alert_deliveries').where({ kind: 'resolve', dry_run: false }).orderBy('id');
    expect(resolved.slice(-2).map((r) => [r.status, r.attempts])).toEqual([
      ['delivered', 2],
      ['delivered', 2],
    ]);
  });

  it('holds a flapping finding, audited; a cycle sends through the same step once it may', async () => {
    // Five status changes within seconds of each other: more than the policy's 4 within 120 minutes.
    const analyze = async (hours: number) => {
      const cycleId = `test-alert-send-cycle-${process.pid}-${Date.now().toString(36)}-${++run}`;
      await w.client.workflow.execute(autonomousCycle, {
        workflowId: cycleId,
        taskQueue: w.taskQueue,
        args: [{ dryRun: false, trigger: 'api', phases: ['analyze'], now: at(hours).toISOString() }],
      });
      return cycleId;
    };
    const flapping = await analyze(200);
    expect(rx.requests).toEqual([]);
    const held = await t.db('engine.audit_log').where({ event: 'alert.held', cycle_id: flapping }).orderBy('id');
    expect(held.map((h) => [h.after.channel, h.after.kind, h.after.reason])).toEqual([
      ['pagerduty', 'trigger', 'flapping'],
      ['slack', 'trigger', 'flapping'],
    ]);

    // An operator who wants these pages anyway loosens flap suppression; the next cycle triggers.
    await setPolicy(
      t.db,
      'alerts',
      {
        ...DEFAULT_ALERT_POLICY,
        routes: { critical: ['pagerduty', 'slack'], high: [], medium: [], low: [], info: [] },
        flap: { maxTransitions: 100, windowMinutes: 120, stableMinutes: 60 },
      },
      'test',
      'page flapping findings',
    );
    const cycleId = await analyze(201);
    expect(sent().filter((s) => s.startsWith('pagerduty'))).toEqual([`pagerduty trigger ${FINGERPRINT}`]);
    const rows = await t.db('engine.alert_deliveries').where({ cycle_id: cycleId }).orderBy('id');
    expect(rows.map((r) => [r.channel, r.kind, r.status, r.dedupe_key])).toEqual([
      ['pagerduty', 'trigger', 'delivered', `${FINGERPRINT}:pagerduty:trigger:2`],
      ['slack', 'trigger', 'delivered', `${FINGERPRINT}:slack:trigger:2`],
    ]);
  });

  it('a silence holds alerts and never actions: the heal phase plans as usual', async () => {
    await setPolicy(
      t.db,
      'alerts',
      {
        ...DEFAULT_ALERT_POLICY,
        routes: { critical: ['pagerduty', 'slack'], high: ['slack'], medium: [], low: [], info: [] },
        flap: { maxTransitions: 100, windowMinutes: 120, stableMinutes: 60 },
        silences: [
          {
            startsAt: new Date(Date.now() - 60_000).toISOString(),
            endsAt: new Date(Date.now() + HOUR).toISOString(),
            reason: 'maintenance',
          },
        ],
      },
      'test',
      'maintenance window',
    );
    const cycleId = `test-alert-send-silenced-${process.pid}-${Date.now().toString(36)}`;
    await w.client.workflow.execute(autoRemediate, {
      workflowId: cycleId,
      taskQueue: w.taskQueue,
      args: [{ dryRun: true, trigger: 'api', now: at(202).toISOString() }],
    });
    expect(rx.requests).toEqual([]);
    const held = await t.db('engine.audit_log').where({ event: 'alert.held', cycle_id: cycleId });
    expect(held.length).toBeGreaterThan(0);
    expect(new Set(held.map((h) => h.after.reason))).toEqual(new Set(['silenced']));
    expect(held.map((h) => h.target)).toContain('finding:system_health:stuck_payments');
    expect(await t.db('engine.alert_deliveries').where({ cycle_id: cycleId })).toEqual([]);
    const actions = await t.db('engine.actions').where({ cycle_id: cycleId, phase: 'heal' }).count({ n: '*' }).first();
    expect(Number(actions!.n)).toBeGreaterThan(0);
  });
});
