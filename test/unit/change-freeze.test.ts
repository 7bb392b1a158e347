// Change freezes (engine/safety/change-freeze.ts) and their gate: one-off and recurring windows, local start
// times on both sides of a DST change, a window that spans one, overlapping and back-to-back windows, the
// display of coming occurrences, input validation, and the change_freeze gate live and in a dry run.
import { describe, expect, it } from 'vitest';
import {
  activeFreeze,
  describeFreeze,
  formatInZone,
  FreezeWindowInputSchema,
  nextFreezes,
  type FreezeWindow,
} from '../../engine/safety/change-freeze';
import { DEFAULT_POLICIES } from '../../engine/safety/config-schema';
import { changeFreezeGate, evaluateGates, executionGates, type GateInput } from '../../engine/safety/gates';

const at = (s: string) => new Date(s);
const HOUR = 3_600_000;

const blackFriday: FreezeWindow = {
  id: 1,
  name: 'Black Friday',
  reason: 'peak traffic',
  timezone: 'America/New_York',
  kind: 'one_off',
  startsAt: at('2026-11-27T00:00:00-05:00'),
  endsAt: at('2026-11-30T06:00:00-05:00'),
};

// Friday 18:00 to Monday 06:00 Berlin time, 60 hours.
const berlinWeekend: FreezeWindow = {
  id: 2,
  name: 'Weekend',
  reason: 'nobody on call',
  timezone: 'Europe/Berlin',
  kind: 'recurring',
  cron: '0 18 * * 5',
  durationMinutes: 60 * 60,
};

// Sunday 01:00 to 03:00 New York time: the night the clocks go forward (2026-03-08) has no 02:00-03:00.
const nySundayNight: FreezeWindow = {
  id: 3,
  name: 'Sunday maintenance',
  reason: 'database maintenance',
  timezone: 'America/New_York',
  kind: 'recurring',
  cron: '0 1 * * 0',
  durationMinutes: 120,
};

describe('activeFreeze', () => {
  it('a one-off window is in force from its start (inclusive) to its end (exclusive)', () => {
    expect(activeFreeze([blackFriday], at('2026-11-26T23:59:59-05:00'))).toBeNull();
    expect(activeFreeze([blackFriday], blackFriday.startsAt)).toEqual({
      window: blackFriday,
      endsAt: blackFriday.endsAt,
    });
    expect(activeFreeze([blackFriday], at('2026-11-30T05:59:00-05:00'))?.endsAt).toEqual(blackFriday.endsAt);
    expect(activeFreeze([blackFriday], blackFriday.endsAt)).toBeNull();
    expect(activeFreeze([], at('2026-11-28T12:00:00Z'))).toBeNull();
  });

  it('a recurring weekly window starts at its local time in winter and in summer (Europe/Berlin)', () => {
    // Winter, CET (+01:00): Friday 18:00 local is 17:00 UTC.
    expect(activeFreeze([berlinWeekend], at('2026-01-16T16:59:00Z'))).toBeNull();
    expect(activeFreeze([berlinWeekend], at('2026-01-16T17:00:00Z'))?.endsAt).toEqual(at('2026-01-19T05:00:00Z'));
    expect(activeFreeze([berlinWeekend], at('2026-01-19T05:00:00Z'))).toBeNull();
    // Summer, CEST (+02:00): Friday 18:00 local is 16:00 UTC.
    expect(activeFreeze([berlinWeekend], at('2026-07-17T15:59:00Z'))).toBeNull();
    expect(activeFreeze([berlinWeekend], at('2026-07-17T16:00:00Z'))?.endsAt).toEqual(at('2026-07-20T04:00:00Z'));
    // Wednesday: none.
    expect(activeFreeze([berlinWeekend], at('2026-07-22T12:00:00Z'))).toBeNull();
  });

  it('a window over a DST change lasts its elapsed duration: the spring weekend ends at 07:00 local', () => {
    // Clocks go forward on Sunday 2026-03-29: Friday 18:00 CET (17:00Z) + 60 h = Monday 05:00Z = 07:00 CEST.
    const f = activeFreeze([berlinWeekend], at('2026-03-29T12:00:00Z'));
    expect(f?.endsAt).toEqual(at('2026-03-30T05:00:00Z'));
    expect(formatInZone(f!.endsAt, 'Europe/Berlin')).toBe('2026-03-30 07:00 +02:00');
    expect(f!.endsAt.getTime() - at('2026-03-27T17:00:00Z').getTime()).toBe(60 * HOUR);
    // The next Friday starts at 18:00 CEST, 16:00Z.
    expect(activeFreeze([berlinWeekend], at('2026-04-03T16:00:00Z'))).not.toBeNull();
    expect(activeFreeze([berlinWeekend], at('2026-04-03T16:59:00Z'))?.endsAt).toEqual(at('2026-04-06T04:00:00Z'));
  });

  it('the New York Sunday window on the night the clocks go forward: 01:00 EST to 04:00 EDT, two hours', () => {
    expect(activeFreeze([nySundayNight], at('2026-03-08T05:59:00Z'))).toBeNull();
    const f = activeFreeze([nySundayNight], at('2026-03-08T07:30:00Z')); // 03:30 EDT
    expect(f?.endsAt).toEqual(at('2026-03-08T08:00:00Z'));
    expect(formatInZone(f!.endsAt, 'America/New_York')).toBe('2026-03-08 04:00 -04:00');
    // A week later, in EDT: 01:00 local is 05:00Z.
    expect(activeFreeze([nySundayNight], at('2026-03-15T05:00:00Z'))?.endsAt).toEqual(at('2026-03-15T07:00:00Z'));
    // The night the clocks go back (2026-11-01): 01:00 EDT, the first of the two 01:00s, is 05:00Z.
    expect(activeFreeze([nySundayNight], at('2026-11-01T04:59:00Z'))).toBeNull();
    expect(activeFreeze([nySundayNight], at('2026-11-01T05:00:00Z'))?.endsAt).toEqual(at('2026-11-01T07:00:00Z'));
    // It starts once, like cron: the second 01:00 (EST, 06:00Z) is no new start; two hours on, it is over.
    expect(activeFreeze([nySundayNight], at('2026-11-01T06:30:00Z'))?.endsAt).toEqual(at('2026-11-01T07:00:00Z'));
    expect(activeFreeze([nySundayNight], at('2026-11-01T07:00:00Z'))).toBeNull();
    expect(nextFreezes([nySundayNight], at('2026-10-31T00:00:00Z'), 2 * 24 * HOUR).map((o) => o.startsAt)).toEqual([
      at('2026-11-01T05:00:00Z'),
    ]);
  });

  it('overlapping windows: the one ending last is named, with the latest end', () => {
    const shortOne: FreezeWindow = { ...blackFriday, id: 9, name: 'Short', endsAt: at('2026-11-28T00:00:00-05:00') };
    const f = activeFreeze([shortOne, blackFriday], at('2026-11-27T12:00:00-05:00'));
    expect(f).toEqual({ window: blackFriday, endsAt: blackFriday.endsAt });
    expect(activeFreeze([blackFriday, shortOne], at('2026-11-27T12:00:00-05:00'))?.window.name).toBe('Black Friday');
  });

  it('windows that meet or overlap end to end are one freeze: endsAt is where the last one ends', () => {
    const thanksgiving: FreezeWindow = {
      ...blackFriday,
      id: 8,
      name: 'Thanksgiving',
      startsAt: at('2026-11-26T00:00:00-05:00'),
      endsAt: blackFriday.startsAt,
    };
    const f = activeFreeze([thanksgiving, blackFriday], at('2026-11-26T12:00:00-05:00'));
    expect(f?.window.name).toBe('Thanksgiving');
    expect(f?.endsAt).toEqual(blackFriday.endsAt);
  });

  it('a recurring window that covers all time stops chaining after a bounded number of steps', () => {
    const always: FreezeWindow = { ...nySundayNight, id: 4, cron: '0 * * * *', durationMinutes: 60 };
    const f = activeFreeze([always], at('2026-05-01T12:30:00Z'));
    expect(f?.endsAt.getTime()).toBe(at('2026-05-01T13:00:00Z').getTime() + 100 * HOUR);
  });
});

describe('nextFreezes', () => {
  it('lists the occurrence in force and the coming ones within the horizon, by start time', () => {
    const now = at('2026-11-20T12:00:00Z'); // a Friday
    const list = nextFreezes([blackFriday, berlinWeekend], now, 14 * 24 * HOUR);
    expect(list.map((o) => [o.window.name, o.startsAt.toISOString(), o.endsAt.toISOString()])).toEqual([
      ['Weekend', '2026-11-20T17:00:00.000Z', '2026-11-23T05:00:00.000Z'],
      ['Black Friday', '2026-11-27T05:00:00.000Z', '2026-11-30T11:00:00.000Z'],
      ['Weekend', '2026-11-27T17:00:00.000Z', '2026-11-30T05:00:00.000Z'],
    ]);
    const during = nextFreezes([berlinWeekend], at('2026-11-21T12:00:00Z'), 8 * 24 * HOUR);
    expect(during.map((o) => o.startsAt.toISOString())).toEqual([
      '2026-11-20T17:00:00.000Z',
      '2026-11-27T17:00:00.000Z',
    ]);
  });

  it('leaves out one-off windows already over and caps a frequent cron', () => {
    expect(nextFreezes([blackFriday], at('2026-12-01T00:00:00Z'))).toEqual([]);
    const minutely: FreezeWindow = { ...nySundayNight, id: 5, cron: '* * * * *', durationMinutes: 1 };
    expect(nextFreezes([minutely], at('2026-05-01T12:00:30Z'))).toHaveLength(20);
  });
});

describe('formatting and the blocked reason', () => {
  it('shows the local time and offset of the window', () => {
    expect(formatInZone(at('2026-11-30T11:00:00Z'), 'America/New_York')).toBe('2026-11-30 06:00 -05:00');
    expect(formatInZone(at('2026-07-01T00:05:00Z'), 'UTC')).toBe('2026-07-01 00:05 +00:00');
    expect(describeFreeze({ window: blackFriday, endsAt: blackFriday.endsAt })).toBe(
      "change freeze 'Black Friday' (America/New_York) until 2026-11-30 06:00 -05:00",
    );
  });
});

describe('FreezeWindowInputSchema', () => {
  const ok = {
    kind: 'recurring',
    name: 'Weekend',
    reason: 'nobody on call',
    timezone: 'Europe/Berlin',
    cron: '0 18 * * 5',
    durationMinutes: 3600,
  };
  const issues = (v: unknown) =>
    FreezeWindowInputSchema.safeParse(v).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

  it('accepts a valid one-off and a valid recurring window', () => {
    expect(issues(ok)).toEqual([]);
    expect(
      issues({
        kind: 'one_off',
        name: 'Black Friday',
        reason: 'peak traffic',
        timezone: 'America/New_York',
        startsAt: '2026-11-27T00:00:00-05:00',
        endsAt: '2026-11-30T06:00:00-05:00',
      }),
    ).toEqual([]);
  });

  it('rejects a bad cron, zone, duration, an end before the start and unknown fields, each with its path', () => {
    expect(issues({ ...ok, cron: '0 18 * *' })[0]).toMatch(/^cron: must be a five-field cron/);
    expect(issues({ ...ok, cron: '0 25 * * 5' })[0]).toMatch(/^cron: is not a valid cron expression/);
    expect(issues({ ...ok, timezone: 'Mars/Base' })).toEqual([
      'timezone: must be an IANA time zone, e.g. UTC or America/New_York',
    ]);
    expect(issues({ ...ok, durationMinutes: 0 })).toEqual(['durationMinutes: must be at least 1 minute']);
    expect(issues({ ...ok, extra: 1 })[0]).toMatch(/extra/);
    expect(
      issues({
        kind: 'one_off',
        name: 'x',
        reason: 'backwards',
        timezone: 'UTC',
        startsAt: '2026-11-30T00:00:00Z',
        endsAt: '2026-11-27T00:00:00Z',
      }),
    ).toEqual(['endsAt: must be after startsAt']);
    expect(issues({ ...ok, kind: 'one_off', startsAt: 'tomorrow' }).length).toBeGreaterThan(0);
  });
});

describe('change_freeze gate', () => {
  const freeze = { window: blackFriday, endsAt: blackFriday.endsAt };
  const now = at('2026-11-28T12:00:00Z');
  const base: GateInput = {
    plan: { type: 'retry_payment', gateClass: 'healing', executable: true, detectionConfidence: 1, targetId: '42' },
    posterior: { alpha: 60, beta: 1 },
    thresholds: { 'gate.healing': 0.75 },
    policies: DEFAULT_POLICIES,
    counters: { typeAdmittedInCycle: 0, recentContactsForUser: 0, recentFailuresForType: 0, now },
  };

  it('none in force: no gate; in force: blocked with the freeze in the reason', () => {
    expect(changeFreezeGate(null)).toBeNull();
    expect(changeFreezeGate(freeze)).toEqual({
      gate: 'change_freeze',
      passed: false,
      reason: "change freeze 'Black Friday' (America/New_York) until 2026-11-30 06:00 -05:00: no effects run",
      details: {
        freezeId: 1,
        name: 'Black Friday',
        timezone: 'America/New_York',
        endsAt: '2026-11-30T11:00:00.000Z',
        reason: 'peak traffic',
      },
    });
  });

  it('is an execution-time gate right after the kill switch', () => {
    const gates = executionGates('upgrade_offer', '7', DEFAULT_POLICIES, {
      recentContactsForUser: 0,
      recentFailuresForType: 0,
      now,
      changeFreeze: freeze,
    });
    expect(gates.map((g) => g.gate)).toEqual([
      'kill_switch',
      'change_freeze',
      'contact_cap',
      'quiet_hours',
      'circuit_breaker',
    ]);
  });

  it('blocks a live plan that would execute or need approval; a dry run only shows it', () => {
    expect(evaluateGates(base).verdict).toBe('execute');
    const live = evaluateGates({ ...base, counters: { ...base.counters, changeFreeze: freeze } });
    expect(live.verdict).toBe('blocked');
    expect(live.reason).toBe(
      "change freeze 'Black Friday' (America/New_York) until 2026-11-30 06:00 -05:00: no effects run",
    );
    const approval = evaluateGates({ ...base, posterior: null, counters: { ...base.counters, changeFreeze: freeze } });
    expect(approval.verdict).toBe('blocked');
    const dry = evaluateGates({ ...base, dryRun: true, counters: { ...base.counters, changeFreeze: freeze } });
    expect(dry.verdict).toBe('execute');
    expect(dry.outcomes.find((o) => o.gate === 'change_freeze')).toMatchObject({
      passed: true,
      reason: expect.stringMatching(/^change freeze 'Black Friday' .*: a live cycle would be blocked/),
      details: { informational: true },
    });
  });

  it('leaves recommendations alone: they never run anyway', () => {
    const rec = evaluateGates({
      ...base,
      plan: { ...base.plan, executable: false },
      counters: { ...base.counters, changeFreeze: freeze },
    });
    expect(rec.verdict).toBe('recommendation');
  });
});
