// Quiet hours (docs/safety.md): the local hours in which no message is sent. Pure: the time is passed in.
import type { Policies } from './config-schema';

export type QuietHours = Policies['quiet_hours'];

/** Local wall-clock hour and minute of `now` in an IANA time zone. */
export function localTime(now: Date, timeZone: string): { hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const num = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? NaN);
  return { hour: num('hour'), minute: num('minute') };
}

/**
 * Whether `now` falls in [startHour, endHour) local time. A window whose start is after its end crosses
 * midnight (22 → 7 is quiet from 22:00 to 06:59). Disabled, or start = end: never quiet.
 */
export function isQuietTime(now: Date, q: QuietHours): boolean {
  if (!q.enabled || q.startHour === q.endHour) return false;
  const { hour } = localTime(now, q.timezone);
  return q.startHour < q.endHour ? hour >= q.startHour && hour < q.endHour : hour >= q.startHour || hour < q.endHour;
}

const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;

export function describeQuietHours(q: QuietHours): string {
  return `${hh(q.startHour)}–${hh(q.endHour)} ${q.timezone}`;
}
