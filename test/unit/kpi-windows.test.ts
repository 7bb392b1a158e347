// The KPI windows of docs/kpis.md as pure functions of `now`, and their boundaries (half-open).
import { describe, expect, it } from 'vitest';
import {
  ACTIVATION_WITHIN_MS,
  cacWindow,
  churnWindow,
  cohortCWindow,
  cohortFWindow,
  d7Window,
  DAY_MS,
  FUNNEL_WITHIN_MS,
  inWindow,
  kpiWindows,
  pgInterval,
  within,
  windowToJson,
} from '../../engine/kpi/windows';

const NOW = new Date('2026-11-25T06:00:00.000Z');
const ms = (d: Date, delta: number) => new Date(d.getTime() + delta);

describe('cohort C = [now − 37d, now − 7d)', () => {
  const c = cohortCWindow(NOW);

  it('has the expected instants', () => {
    expect(windowToJson(c)).toEqual({ start: '2026-10-19T06:00:00.000Z', end: '2026-11-18T06:00:00.000Z' });
  });

  it('includes a user created exactly at now − 37d and excludes one created exactly at now − 7d', () => {
    expect(inWindow(new Date('2026-10-19T06:00:00.000Z'), c)).toBe(true);
    expect(inWindow(new Date('2026-11-18T06:00:00.000Z'), c)).toBe(false);
    expect(inWindow(new Date('2026-11-18T05:59:59.999Z'), c)).toBe(true);
    expect(inWindow(new Date('2026-10-19T05:59:59.999Z'), c)).toBe(false);
  });
});

describe('activation within 7 days (closed)', () => {
  const created = new Date('2026-11-01T10:00:00.000Z');

  it('counts an activation exactly at created_at + 7d and not one millisecond later', () => {
    expect(within(created, ms(created, 7 * DAY_MS), ACTIVATION_WITHIN_MS)).toBe(true);
    expect(within(created, ms(created, 7 * DAY_MS + 1), ACTIVATION_WITHIN_MS)).toBe(false);
  });

  it('never counts a user who did not activate', () => {
    expect(within(created, null, ACTIVATION_WITHIN_MS)).toBe(false);
  });

  it('uses 24-hour days, also across the US DST change of 2026-11-01', () => {
    expect(ms(created, ACTIVATION_WITHIN_MS).toISOString()).toBe('2026-11-08T10:00:00.000Z');
  });
});

describe('D7 window = [created_at + 7d, created_at + 8d)', () => {
  const created = new Date('2026-10-20T13:14:15.016Z');
  const w = d7Window(created);

  it('includes an event exactly at created_at + 7d and excludes one exactly at created_at + 8d', () => {
    expect(inWindow(ms(created, 7 * DAY_MS), w)).toBe(true);
    expect(inWindow(ms(created, 8 * DAY_MS), w)).toBe(false);
    expect(inWindow(ms(created, 8 * DAY_MS - 1), w)).toBe(true);
    expect(inWindow(ms(created, 7 * DAY_MS - 1), w)).toBe(false);
  });
});

describe('funnel cohort F = [now − 60d, now − 30d), steps within 30 days', () => {
  it('has the expected instants and boundaries', () => {
    const f = cohortFWindow(NOW);
    expect(windowToJson(f)).toEqual({ start: '2026-09-26T06:00:00.000Z', end: '2026-10-26T06:00:00.000Z' });
    expect(inWindow(f.start, f)).toBe(true);
    expect(inWindow(f.end, f)).toBe(false);
  });

  it('counts a step exactly at created_at + 30d', () => {
    const created = new Date('2026-10-01T00:00:00.000Z');
    expect(within(created, ms(created, 30 * DAY_MS), FUNNEL_WITHIN_MS)).toBe(true);
    expect(within(created, ms(created, 30 * DAY_MS + 1), FUNNEL_WITHIN_MS)).toBe(false);
  });
});

describe('churn window = [now − 30d, now)', () => {
  it('starts 30 days before now and ends at now', () => {
    expect(windowToJson(churnWindow(NOW))).toEqual({
      start: '2026-10-26T06:00:00.000Z',
      end: '2026-11-25T06:00:00.000Z',
    });
  });
});

describe('CAC window = the last 3 full UTC calendar months', () => {
  it('excludes the month holding now', () => {
    expect(windowToJson(cacWindow(NOW))).toEqual({
      start: '2026-08-01T00:00:00.000Z',
      end: '2026-11-01T00:00:00.000Z',
    });
  });

  it('at the very first instant of a month, that month is still excluded', () => {
    expect(windowToJson(cacWindow(new Date('2026-11-01T00:00:00.000Z')))).toEqual({
      start: '2026-08-01T00:00:00.000Z',
      end: '2026-11-01T00:00:00.000Z',
    });
    expect(windowToJson(cacWindow(new Date('2026-10-31T23:59:59.999Z')))).toEqual({
      start: '2026-07-01T00:00:00.000Z',
      end: '2026-10-01T00:00:00.000Z',
    });
  });

  it('crosses the year boundary', () => {
    expect(windowToJson(cacWindow(new Date('2027-01-15T12:00:00.000Z')))).toEqual({
      start: '2026-10-01T00:00:00.000Z',
      end: '2027-01-01T00:00:00.000Z',
    });
    expect(windowToJson(cacWindow(new Date('2027-03-31T23:00:00.000Z')))).toEqual({
      start: '2026-12-01T00:00:00.000Z',
      end: '2027-03-01T00:00:00.000Z',
    });
  });
});

describe('kpiWindows', () => {
  it('bundles every window and does not alias now', () => {
    const w = kpiWindows(NOW);
    expect(w.churn.end.getTime()).toBe(NOW.getTime());
    expect(w.churn.end).not.toBe(NOW);
    expect(w.cohortC.end.getTime() - w.cohortC.start.getTime()).toBe(30 * DAY_MS);
    expect(w.cohortF.end.getTime() - w.cohortF.start.getTime()).toBe(30 * DAY_MS);
  });

  it('rejects an invalid now', () => {
    expect(() => kpiWindows(new Date('not a date'))).toThrow(RangeError);
  });
});

describe('pgInterval', () => {
  it('renders exact second counts, which PostgreSQL adds without calendar-day DST shifts', () => {
    expect(pgInterval(ACTIVATION_WITHIN_MS)).toBe('604800 seconds');
    expect(pgInterval(FUNNEL_WITHIN_MS)).toBe('2592000 seconds');
    expect(() => pgInterval(1500)).toThrow(RangeError);
  });
});
