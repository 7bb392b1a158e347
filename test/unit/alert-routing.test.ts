// Alert routing and noise control (engine/alerts/routing.ts, engine/alerts/policy.ts), without servers:
// examples of each rule, then property tests over random open/resolve histories — never two triggers for one
// open period, never a resolve without a trigger, nothing triggered in a silence, and every trigger resolved
// once the finding is resolved and stable.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertPolicySchema, DEFAULT_ALERT_POLICY, type AlertPolicy } from '../../engine/alerts/policy';
import {
  decideDeliveries,
  type DeliveryRecord,
  type FindingAlertState,
  type PlannedDelivery,
} from '../../engine/alerts/routing';

const T0 = Date.parse('2026-11-20T00:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const finding = (over: Partial<FindingAlertState> = {}): FindingAlertState => ({
  findingId: 7,
  fingerprint: 'billing:failed_payments_due',
  severity: 'critical',
  detector: 'billing',
  status: 'open',
  transitions: [{ at: at(0), status: 'open' }],
  ...over,
});

const recorded = (ds: PlannedDelivery[], minute: number): DeliveryRecord[] =>
  ds.map((d) => ({ channel: d.channel, kind: d.kind, dedupeKey: d.dedupeKey, createdAt: at(minute) }));

describe('alert policy schema', () => {
  it('documents its defaults', () => {
    expect(DEFAULT_ALERT_POLICY).toEqual({
      routes: {
        critical: ['pagerduty', 'slack', 'webhook'],
        high: ['slack', 'webhook'],
        medium: ['slack', 'webhook'],
        low: ['webhook'],
        info: [],
      },
      reminders: { everyMinutes: 240, channels: ['slack'] },
      flap: { maxTransitions: 4, windowMinutes: 120, stableMinutes: 60 },
      silences: [],
    });
  });

  it('names the offending field of a bad policy', () => {
    const bad = alertPolicySchema.safeParse({
      reminders: { everyMinutes: 0, channels: ['slack'] },
      silences: [{ startsAt: at(60), endsAt: at(0), reason: 'deploy' }],
    });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['reminders.everyMinutes', 'silences.0.endsAt']));
  });
});

describe('decideDeliveries', () => {
  const policy = DEFAULT_ALERT_POLICY;

  it('triggers every routed channel once for a new open finding, with episode-scoped keys', () => {
    const { deliveries, held } = decideDeliveries({ finding: finding(), deliveries: [], policy, now: at(0) });
    expect(held).toEqual([]);
    expect(deliveries).toEqual([
      {
        findingId: 7,
        channel: 'pagerduty',
        kind: 'trigger',
        dedupeKey: 'billing:failed_payments_due:pagerduty:trigger:0',
      },
      { findingId: 7, channel: 'slack', kind: 'trigger', dedupeKey: 'billing:failed_payments_due:slack:trigger:0' },
      { findingId: 7, channel: 'webhook', kind: 'trigger', dedupeKey: 'billing:failed_payments_due:webhook:trigger:0' },
    ]);
  });

  it('does not re-page while open; reminds on the reminder channels once the interval has passed', () => {
    const first = decideDeliveries({ finding: finding(), deliveries: [], policy, now: at(0) }).deliveries;
    const history = recorded(first, 0);
    expect(decideDeliveries({ finding: finding(), deliveries: history, policy, now: at(239) }).deliveries).toEqual([]);
    const remind = decideDeliveries({ finding: finding(), deliveries: history, policy, now: at(240) }).deliveries;
    expect(remind).toEqual([
      { findingId: 7, channel: 'slack', kind: 'remind', dedupeKey: 'billing:failed_payments_due:slack:remind:0:1' },
    ]);
    const later = [...history, ...recorded(remind, 240)];
    expect(decideDeliveries({ finding: finding(), deliveries: later, policy, now: at(300) }).deliveries).toEqual([]);
    expect(
      decideDeliveries({ finding: finding(), deliveries: later, policy, now: at(480) }).deliveries[0]?.dedupeKey,
    ).toBe('billing:failed_payments_due:slack:remind:0:2');
  });

  it('resolves every open episode, even on a channel the current severity no longer routes to', () => {
    const history = recorded(
      decideDeliveries({ finding: finding(), deliveries: [], policy, now: at(0) }).deliveries,
      0,
    );
    const resolved = finding({
      severity: 'low',
      status: 'resolved',
      transitions: [
        { at: at(0), status: 'open' },
        { at: at(30), status: 'resolved' },
      ],
    });
    const { deliveries } = decideDeliveries({ finding: resolved, deliveries: history, policy, now: at(30) });
    expect(deliveries.map((d) => `${d.channel}:${d.kind}:${d.dedupeKey.split(':').at(-1)}`)).toEqual([
      'pagerduty:resolve:0',
      'slack:resolve:0',
      'webhook:resolve:0',
    ]);
    // A later reopening is a new episode with its own keys.
    const reopened = finding({ transitions: [...resolved.transitions, { at: at(600), status: 'open' }] });
    const again = decideDeliveries({
      finding: reopened,
      deliveries: [...history, ...recorded(deliveries, 30)],
      policy,
      now: at(600),
    });
    expect(again.deliveries.map((d) => d.dedupeKey)).toContain('billing:failed_payments_due:pagerduty:trigger:1');
  });

  it('pages a finding whose severity rises to critical, without repeating the channels already notified', () => {
    const medium = finding({ severity: 'medium' });
    const history = recorded(decideDeliveries({ finding: medium, deliveries: [], policy, now: at(0) }).deliveries, 0);
    expect(history.map((h) => h.channel)).toEqual(['slack', 'webhook']);
    const critical = decideDeliveries({ finding: finding(), deliveries: history, policy, now: at(10) }).deliveries;
    expect(critical.map((d) => `${d.channel}:${d.kind}`)).toEqual(['pagerduty:trigger']);
  });

  it('holds resolves and re-triggers of a flapping finding until it has been stable for stableMinutes', () => {
    const history = recorded(
      decideDeliveries({ finding: finding(), deliveries: [], policy, now: at(0) }).deliveries,
      0,
    );
    // Six changes within 2 hours (more than 4): flapping; resolved since minute 50, stable at 50 + 60.
    const transitions = [0, 10, 20, 30, 40, 50].map(
      (m, i) => ({ at: at(m), status: i % 2 ? 'resolved' : 'open' }) as const,
    );
    const flappy = finding({ status: 'resolved', transitions });
    const during = decideDeliveries({ finding: flappy, deliveries: history, policy, now: at(55) });
    expect(during.deliveries).toEqual([]);
    expect(during.held).toHaveLength(3);
    expect(during.held[0]).toEqual({ channel: 'pagerduty', kind: 'resolve', reason: 'flapping', until: at(110) });
    const stable = decideDeliveries({ finding: flappy, deliveries: history, policy, now: at(110) });
    expect(stable.deliveries.map((d) => d.kind)).toEqual(['resolve', 'resolve', 'resolve']);
  });

  it('a silence holds triggers and reminders of matching findings only, never resolves', () => {
    const silenced: AlertPolicy = alertPolicySchema.parse({
      silences: [{ startsAt: at(0), endsAt: at(120), reason: 'billing provider maintenance', detectors: ['billing'] }],
    });
    const held = decideDeliveries({ finding: finding(), deliveries: [], policy: silenced, now: at(5) });
    expect(held.deliveries).toEqual([]);
    expect(held.held.map((h) => `${h.channel}:${h.reason}:${h.until}`)).toEqual([
      `pagerduty:silenced:${at(120)}`,
      `slack:silenced:${at(120)}`,
      `webhook:silenced:${at(120)}`,
    ]);
    const other = finding({ detector: 'system_health', fingerprint: 'system_health:event_freshness' });
    expect(decideDeliveries({ finding: other, deliveries: [], policy: silenced, now: at(5) }).deliveries).toHaveLength(
      3,
    );
    expect(
      decideDeliveries({ finding: finding(), deliveries: [], policy: silenced, now: at(120) }).deliveries,
    ).toHaveLength(3);
    const history = recorded(
      decideDeliveries({ finding: finding(), deliveries: [], policy, now: at(-10) }).deliveries,
      -10,
    );
    const resolved = finding({
      status: 'resolved',
      transitions: [
        { at: at(-10), status: 'open' },
        { at: at(10), status: 'resolved' },
      ],
    });
    expect(
      decideDeliveries({ finding: resolved, deliveries: history, policy: silenced, now: at(10) }).deliveries,
    ).toHaveLength(3);
  });

  it('routes nothing for a severity without channels and never resolves what was not triggered', () => {
    expect(decideDeliveries({ finding: finding({ severity: 'info' }), deliveries: [], policy, now: at(0) })).toEqual({
      deliveries: [],
      held: [],
    });
    const resolved = finding({ status: 'resolved', transitions: [{ at: at(0), status: 'resolved' }] });
    expect(decideDeliveries({ finding: resolved, deliveries: [], policy, now: at(0) }).deliveries).toEqual([]);
  });
});

describe('decideDeliveries properties', () => {
  const policyArb = fc.record({
    maxTransitions: fc.integer({ min: 1, max: 5 }),
    windowMinutes: fc.integer({ min: 10, max: 300 }),
    stableMinutes: fc.integer({ min: 5, max: 200 }),
    everyMinutes: fc.integer({ min: 15, max: 600 }),
    silence: fc.option(fc.tuple(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1, max: 600 })), { nil: null }),
  });
  const stepArb = fc.record({
    dt: fc.integer({ min: 1, max: 120 }),
    toggle: fc.boolean(),
    severity: fc.constantFrom('critical', 'high', 'medium', 'low', 'info' as const),
  });

  it('one trigger per open period, resolves only after triggers, nothing new in a silence, all resolved once stable', () => {
    fc.assert(
      fc.property(policyArb, fc.array(stepArb, { minLength: 1, maxLength: 60 }), (p, steps) => {
        const policy = alertPolicySchema.parse({
          reminders: { everyMinutes: p.everyMinutes, channels: ['slack'] },
          flap: { maxTransitions: p.maxTransitions, windowMinutes: p.windowMinutes, stableMinutes: p.stableMinutes },
          silences: p.silence
            ? [{ startsAt: at(p.silence[0]), endsAt: at(p.silence[0] + p.silence[1]), reason: 'r' }]
            : [],
        });
        const inSilence = (m: number) => p.silence != null && m >= p.silence[0] && m < p.silence[0] + p.silence[1];
        let state = finding({ transitions: [{ at: at(0), status: 'open' }] });
        let minute = 0;
        const history: DeliveryRecord[] = [];
        const triggersThisPeriod = new Map<string, number>();
        const openEpisodes = new Map<string, boolean>();
        const apply = (ds: PlannedDelivery[]) => {
          for (const d of ds) {
            if (d.kind === 'trigger') {
              expect(state.status).toBe('open');
              expect(inSilence(minute)).toBe(false);
              expect(openEpisodes.get(d.channel) ?? false).toBe(false);
              triggersThisPeriod.set(d.channel, (triggersThisPeriod.get(d.channel) ?? 0) + 1);
              expect(triggersThisPeriod.get(d.channel)).toBe(1);
              openEpisodes.set(d.channel, true);
            } else if (d.kind === 'resolve') {
              expect(state.status).toBe('resolved');
              expect(openEpisodes.get(d.channel)).toBe(true);
              openEpisodes.set(d.channel, false);
            } else {
              expect(inSilence(minute)).toBe(false);
              expect(openEpisodes.get(d.channel)).toBe(true);
            }
            expect(history.some((h) => h.dedupeKey === d.dedupeKey)).toBe(false);
          }
          history.push(...recorded(ds, minute));
        };
        const decide = () =>
          apply(decideDeliveries({ finding: state, deliveries: history, policy, now: at(minute) }).deliveries);

        decide();
        for (const s of steps) {
          minute += s.dt;
          state = { ...state, severity: s.severity };
          if (s.toggle) {
            const status = state.status === 'open' ? 'resolved' : 'open';
            state = { ...state, status, transitions: [...state.transitions, { at: at(minute), status }] };
            if (status === 'open') triggersThisPeriod.clear();
          }
          decide();
        }
        // The finding resolves for good; once stable every episode is closed.
        if (state.status === 'open') {
          state = {
            ...state,
            status: 'resolved',
            transitions: [...state.transitions, { at: at(minute), status: 'resolved' }],
          };
        }
        minute += Math.max(p.windowMinutes, p.stableMinutes) + 1;
        decide();
        expect([...openEpisodes.values()].every((open) => !open)).toBe(true);
        for (const channel of new Set(history.map((h) => h.channel))) {
          const mine = history.filter((h) => h.channel === channel);
          expect(mine.filter((h) => h.kind === 'trigger').length).toBe(mine.filter((h) => h.kind === 'resolve').length);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a finding that stays open and stable ends up triggered on every routed channel outside a silence', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('critical', 'high', 'medium', 'low' as const),
        fc.integer({ min: 0, max: 10_000 }),
        (severity, m) => {
          const f = finding({ severity, transitions: [{ at: at(0), status: 'open' }] });
          const { deliveries } = decideDeliveries({
            finding: f,
            deliveries: [],
            policy: DEFAULT_ALERT_POLICY,
            now: at(m),
          });
          expect(deliveries.map((d) => d.channel)).toEqual([...DEFAULT_ALERT_POLICY.routes[severity]].sort());
          expect(deliveries.every((d) => d.kind === 'trigger')).toBe(true);
        },
      ),
    );
  });
});
