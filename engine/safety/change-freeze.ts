// Change freezes (docs/safety.md#change-freezes): admin-defined windows in which no effect runs, while planning,
// dry runs, alerts and analysis go on. A window is one-off (from startsAt to endsAt) or recurring (a five-field
// cron expression for its start, read in its IANA time zone, lasting durationMinutes of elapsed time). Pure:
// the windows and the time are passed in. cron-parser resolves the local start times, DST included.
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { isTimeZone } from './config-schema';

interface FreezeWindowBase {
  id: number;
  name: string;
  reason: string;
  /** IANA zone: a recurring window's cron is read in it; every window's times are shown in it. */
  timezone: string;
}

export interface OneOffFreezeWindow extends FreezeWindowBase {
  kind: 'one_off';
  startsAt: Date;
  endsAt: Date;
}

export interface RecurringFreezeWindow extends FreezeWindowBase {
  kind: 'recurring';
  /** minute hour day-of-month month day-of-week, local time in `timezone`. */
  cron: string;
  /** Elapsed time from each start, so a window over a DST change lasts exactly this long. */
  durationMinutes: number;
}

export type FreezeWindow = OneOffFreezeWindow | RecurringFreezeWindow;

export interface FreezeOccurrence {
  window: FreezeWindow;
  startsAt: Date;
  endsAt: Date;
}

/** The longest a recurring occurrence may last: a month; a longer freeze is one-off. */
export const MAX_FREEZE_DURATION_MINUTES = 31 * 24 * 60;
/** What GET /api/freezes shows ahead by default. */
export const DEFAULT_FREEZE_HORIZON_MS = 30 * 86_400_000;
/** Occurrences shown per recurring window, whatever the horizon (an every-minute cron stays readable). */
const MAX_OCCURRENCES_PER_WINDOW = 20;
/** Back-to-back windows chained into one freeze, at most: a recurring window covering all time stops here. */
const MAX_CHAIN = 100;

function cronIssue(cron: string, timezone: string): string | null {
  if (cron.trim().split(/\s+/).length !== 5)
    return 'must be a five-field cron expression (minute hour day-of-month month day-of-week), e.g. "0 18 * * 5"';
  try {
    CronExpressionParser.parse(cron, { tz: timezone, currentDate: new Date(0) }).next();
    return null;
  } catch (err) {
    return `is not a valid cron expression: ${(err as Error).message}`;
  }
}

const name = z.string().trim().min(1, 'a name is required').max(200);
const reason = z.string().trim().min(3, 'reason must say why, in at least 3 characters').max(2000);
const timezone = z
  .string()
  .refine(isTimeZone, 'must be an IANA time zone, e.g. UTC or America/New_York')
  .describe('IANA time zone: a recurring cron is read in it, and every time is shown in it');
const instant = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 time with an offset, e.g. 2026-11-27T00:00:00-05:00',
});

/** What an admin submits (POST /api/freezes); every check that needs no clock or database is here. */
export const FreezeWindowInputSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('one_off'),
      name,
      reason,
      timezone,
      startsAt: instant.describe('When the freeze starts (ISO 8601 with offset)'),
      endsAt: instant.describe('When it ends (exclusive); after startsAt'),
    }),
    z.strictObject({
      kind: z.literal('recurring'),
      name,
      reason,
      timezone,
      cron: z.string().trim().min(1).max(200).describe('Start of each occurrence: five-field cron, local time'),
      durationMinutes: z
        .number()
        .int('must be a whole number of minutes')
        .min(1, 'must be at least 1 minute')
        .max(MAX_FREEZE_DURATION_MINUTES, `must be at most ${MAX_FREEZE_DURATION_MINUTES} minutes (31 days)`)
        .describe('How long each occurrence lasts, elapsed minutes from its start'),
    }),
  ])
  .superRefine((w, ctx) => {
    if (w.kind === 'one_off') {
      const s = Date.parse(w.startsAt);
      const e = Date.parse(w.endsAt);
      if (Number.isFinite(s) && Number.isFinite(e) && e <= s)
        ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after startsAt' });
    } else if (isTimeZone(w.timezone)) {
      const issue = cronIssue(w.cron, w.timezone);
      if (issue) ctx.addIssue({ code: 'custom', path: ['cron'], message: issue });
    }
  })
  .meta({ id: 'FreezeWindowInput' });

export type FreezeWindowInput = z.infer<typeof FreezeWindowInputSchema>;

const cronAfter = (w: RecurringFreezeWindow, t: number) =>
  CronExpressionParser.parse(w.cron, { tz: w.timezone, currentDate: new Date(t) })
    .next()
    .toDate();

/**
 * The last start at or before `now`. prev() is strictly before its date, so it starts one millisecond on. On the
 * night the clocks go back it may answer the second of two equal local times, which next() never yields (a start
 * runs once, at the first); such a start is stepped over, so both directions agree.
 */
function latestStart(w: RecurringFreezeWindow, now: Date): Date {
  const it = CronExpressionParser.parse(w.cron, { tz: w.timezone, currentDate: new Date(now.getTime() + 1) });
  let start = it.prev().toDate();
  for (let i = 0; i < 3 && cronAfter(w, start.getTime() - 1).getTime() !== start.getTime(); i++)
    start = it.prev().toDate();
  return start;
}

/** The occurrence of one window in force at `now` (start inclusive, end exclusive), or null. */
function occurrenceAt(w: FreezeWindow, now: Date): FreezeOccurrence | null {
  if (w.kind === 'one_off')
    return w.startsAt <= now && now < w.endsAt ? { window: w, startsAt: w.startsAt, endsAt: w.endsAt } : null;
  const startsAt = latestStart(w, now);
  const endsAt = new Date(startsAt.getTime() + w.durationMinutes * 60_000);
  return now < endsAt ? { window: w, startsAt, endsAt } : null;
}

/** Of the occurrences in force at `now`, the one that lasts longest (ties: the first listed). */
function latestEndingAt(windows: readonly FreezeWindow[], now: Date): FreezeOccurrence | null {
  let best: FreezeOccurrence | null = null;
  for (const w of windows) {
    const o = occurrenceAt(w, now);
    if (o && (!best || o.endsAt > best.endsAt)) best = o;
  }
  return best;
}

/**
 * The freeze in force at `now`: the window whose occurrence ends last, and when effects may run again. Windows
 * that overlap or meet end to end are one freeze, so `endsAt` is where the last of them ends.
 */
export function activeFreeze(windows: FreezeWindow[], now: Date): { window: FreezeWindow; endsAt: Date } | null {
  const first = latestEndingAt(windows, now);
  if (!first) return null;
  let endsAt = first.endsAt;
  for (let i = 0; i < MAX_CHAIN; i++) {
    const next = latestEndingAt(windows, endsAt);
    if (!next || next.endsAt <= endsAt) break;
    endsAt = next.endsAt;
  }
  return { window: first.window, endsAt };
}

/** Occurrences that are in force at `now` or start before `now + horizonMs`, by start time. */
export function nextFreezes(
  windows: FreezeWindow[],
  now: Date,
  horizonMs: number = DEFAULT_FREEZE_HORIZON_MS,
): FreezeOccurrence[] {
  const until = new Date(now.getTime() + horizonMs);
  const out: FreezeOccurrence[] = [];
  for (const w of windows) {
    if (w.kind === 'one_off') {
      if (w.endsAt > now && w.startsAt < until) out.push({ window: w, startsAt: w.startsAt, endsAt: w.endsAt });
      continue;
    }
    const current = occurrenceAt(w, now);
    if (current) out.push(current);
    const it = CronExpressionParser.parse(w.cron, { tz: w.timezone, currentDate: now });
    for (let n = current ? 1 : 0; n < MAX_OCCURRENCES_PER_WINDOW; n++) {
      const startsAt = it.next().toDate();
      if (startsAt >= until) break;
      if (current && startsAt.getTime() === current.startsAt.getTime()) continue;
      out.push({ window: w, startsAt, endsAt: new Date(startsAt.getTime() + w.durationMinutes * 60_000) });
    }
  }
  return out.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.window.id - b.window.id);
}

/** "2026-11-30 06:00 -05:00": local wall-clock time and offset in an IANA zone. */
export function formatInZone(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(at);
  const p = (type: string) => parts.find((x) => x.type === type)?.value ?? '';
  const offset = p('timeZoneName').replace(/^GMT/, '') || '+00:00';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')} ${offset}`;
}

/** The one line every blocked action and the dashboard banner say. */
export function describeFreeze(f: { window: FreezeWindow; endsAt: Date }): string {
  return `change freeze '${f.window.name}' (${f.window.timezone}) until ${formatInZone(f.endsAt, f.window.timezone)}`;
}
