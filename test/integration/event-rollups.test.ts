// The event rollups against real PostgreSQL: a seeded random stream of users and events arrives batch by batch,
// some events late (within the refresh's lateness horizon, and days later), some users deleted; after every
// batch, both before the refresh (the new rows read raw past the watermark) and after it, every KPI count and
// the learn phase's behaviour counts from the rollups equal the same counts computed from app.events alone.
// The detectors and the planners' target queries read app.events directly (docs/scale.md), so they have no
// rollup path to compare. Finally the incrementally built facts equal a from-scratch rebuild, row for row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EVENT_LATENESS_HORIZON_MS,
  readRollupState,
  reconcileEventRollups,
  refreshEventRollups,
} from '../../db/event-rollups';
import { computeKpiCounts } from '../../db/queries/kpis';
import { queryBehaviourCounts, queryBehaviourCountsFromRollups } from '../../db/queries/learning';
import { createTestDb, type TestDb } from '../helpers/db';
import { mulberry32 } from '../helpers/random';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const BASE = Date.parse('2026-06-01T00:00:00.000Z');
const NAMES = ['login', 'onboarding_completed', 'invite_sent', 'report_viewed', 'export'];
// Offsets after signup that sit exactly on the facts' window edges.
const EDGES = [0, 7 * DAY - 1, 7 * DAY, 8 * DAY - 1, 8 * DAY, 28 * DAY, 30 * DAY, 35 * DAY - 1, 35 * DAY, -HOUR];

interface User {
  id: number;
  email: string;
  created_at: Date;
  activated_at: Date | null;
  deleted_at: Date | null;
}
interface PendingEvent {
  id: number;
  user_id: number;
  name: string;
  occurred_at: Date;
  arrives: number;
}

let t: TestDb;
const rand = mulberry32(20261204);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const users: User[] = [];
const pending: PendingEvent[] = [];

/** Each user's whole life of events, every one with an arrival delay: most on time, some late, a few very late. */
function generate(): void {
  let eventId = 0;
  for (let id = 1; id <= 1500; id++) {
    const created = BASE - 150 * DAY + Math.floor(rand() * 175 * DAY);
    users.push({
      id,
      email: `u${id}@example.com`,
      created_at: new Date(created),
      activated_at: rand() < 0.4 ? new Date(created + Math.floor(rand() * 10 * DAY)) : null,
      deleted_at: null,
    });
    const n = 4 + Math.floor(rand() * 14);
    for (let k = 0; k < n; k++) {
      const r = rand();
      const offset =
        r < 0.1
          ? pick(EDGES)
          : r < 0.45
            ? Math.floor(rand() * 7 * DAY)
            : r < 0.6
              ? 7 * DAY + Math.floor(rand() * DAY)
              : r < 0.75
                ? 28 * DAY + Math.floor(rand() * 7 * DAY)
                : Math.floor(-2 * DAY + rand() * 72 * DAY);
      const lateness = rand();
      const delay =
        lateness < 0.85
          ? 0
          : lateness < 0.95
            ? Math.floor(rand() * 60 * HOUR)
            : 4 * DAY + Math.floor(rand() * 30 * DAY);
      const occurred = created + offset;
      pending.push({
        id: ++eventId,
        user_id: id,
        name: rand() < 0.15 ? 'onboarding_completed' : pick(NAMES),
        occurred_at: new Date(occurred),
        arrives: Math.max(occurred, created) + delay,
      });
    }
  }
}

const insertedUsers = new Set<number>();

/** Inserts the users created by `clock` and the events arrived by then that `which` selects; returns those events. */
async function arriveUntil(clock: number, which: (e: PendingEvent) => boolean): Promise<PendingEvent[]> {
  const newUsers = users.filter((u) => u.created_at.getTime() <= clock && !insertedUsers.has(u.id));
  for (const u of newUsers) insertedUsers.add(u.id);
  if (newUsers.length) await t.db.batchInsert('app.users', newUsers, 500);
  const due = pending.filter((e) => e.arrives <= clock && which(e));
  const dueIds = new Set(due.map((e) => e.id));
  pending.splice(0, pending.length, ...pending.filter((e) => !dueIds.has(e.id)));
  if (due.length)
    await t.db.batchInsert(
      'app.events',
      due.map(({ arrives: _arrives, ...e }) => e),
      1000,
    );
  return due;
}

async function deleteSome(clock: number): Promise<void> {
  const live = users.filter((u) => u.created_at.getTime() <= clock && !u.deleted_at);
  for (let k = 0; k < 8; k++) {
    const u = pick(live);
    u.deleted_at = new Date(clock);
    await t.db('app.users').where({ id: u.id }).update({ deleted_at: u.deleted_at });
  }
}

async function expectEqual(now: Date, label: string): Promise<void> {
  const state = await readRollupState(t.db);
  expect(state.watermark, label).not.toBeNull();
  const fromRollups = await computeKpiCounts(t.db, now);
  const fromEvents = await computeKpiCounts(t.db, now, { source: 'events' });
  expect(fromRollups, label).toEqual(fromEvents);
  for (const cohortDays of [30, 90]) {
    const raw = await queryBehaviourCounts(t.db, now, { cohortDays });
    const rolled = await queryBehaviourCountsFromRollups(t.db, now, new Date(state.watermark!), { cohortDays });
    expect(rolled, `${label}, behaviours over ${cohortDays} days`).toEqual(raw);
  }
}

async function factsTable(): Promise<unknown[]> {
  const { rows } = (await t.db.raw(
    `SELECT user_id::int, d7_first_at, onboarded_first_at, retained_first_at, first_week_names
       FROM engine.event_user_facts ORDER BY user_id`,
  )) as { rows: unknown[] };
  return rows;
}

beforeAll(async () => {
  t = await createTestDb('event-rollups');
  generate();
});
afterAll(() => t?.drop());

describe('event rollups', () => {
  it('equal the counts from app.events after every batch, late events and deleted users included', async () => {
    let clock = BASE;
    await arriveUntil(clock, () => true);
    const first = await refreshEventRollups(t.db, new Date(clock));
    expect(first.kind).toBe('rebuild');
    expect(first.users).toBeGreaterThan(100);
    await expectEqual(new Date(clock), 'after the first rebuild');

    let sawLate = 0;
    let sawVeryLate = 0;
    for (let round = 1; round <= 8; round++) {
      const watermark = new Date((await readRollupState(t.db)).watermark!).getTime();
      // What the next refresh refolds: from the start of the UTC day of watermark − horizon.
      const foldsFrom = Math.floor((watermark - EVENT_LATENESS_HORIZON_MS) / DAY) * DAY;
      clock += 8 * HOUR + Math.floor(rand() * 52 * HOUR);
      const now = new Date(clock);
      // On-time rows lie past the watermark: before any refresh they are read raw, and the counts already agree.
      await arriveUntil(clock, (e) => e.occurred_at.getTime() >= watermark);
      await expectEqual(now, `round ${round}, new rows not yet folded`);
      if (round % 3 === 0) await deleteSome(clock);
      const late = await arriveUntil(clock, () => true);
      const veryLate = late.filter((e) => e.occurred_at.getTime() < foldsFrom).length;
      sawLate += late.length;
      sawVeryLate += veryLate;
      const run = await refreshEventRollups(t.db, now);
      expect(run.kind).toBe('refresh');
      if (veryLate) {
        const reconciled = await reconcileEventRollups(t.db, now);
        expect(reconciled.days).toBeGreaterThan(0);
      }
      await expectEqual(now, `round ${round}, after the refresh`);
      // A cycle can run with a `now` other than the refresh's: still equal.
      await expectEqual(new Date(clock - 3 * DAY), `round ${round}, three days earlier`);
    }
    expect(sawLate).toBeGreaterThan(50);
    // The comparison is not between empty sets: every counted fact has cases.
    const truth = await computeKpiCounts(t.db, new Date(clock), { source: 'events' });
    expect(truth.d7Retention.successes).toBeGreaterThan(10);
    expect(truth.funnel.onboarded).toBeGreaterThan(10);
    const behaviours = await queryBehaviourCounts(t.db, new Date(clock));
    expect(behaviours.retained).toBeGreaterThan(10);
    expect(behaviours.events.length).toBe(NAMES.length);
    expect(sawVeryLate).toBeGreaterThan(0);

    const incremental = await factsTable();
    const rebuilt = await refreshEventRollups(t.db, new Date(clock), { full: true });
    expect(rebuilt.kind).toBe('rebuild');
    expect(await factsTable()).toEqual(incremental);
    await expectEqual(new Date(clock), 'after a full rebuild');
  });

  it('misses an event older than the horizon until the reconciliation refolds its day', async () => {
    const state = await readRollupState(t.db);
    const watermark = new Date(state.watermark!).getTime();
    const now = new Date(watermark);
    // A live user of cohort C whose D7 window lies ten days back, with no D7 return yet.
    const { rows } = (await t.db.raw(
      `SELECT u.id::int AS id, u.created_at FROM app.users u
        LEFT JOIN engine.event_user_facts f ON f.user_id = u.id
       WHERE u.deleted_at IS NULL AND f.d7_first_at IS NULL
         AND u.created_at >= ? AND u.created_at < ?
       ORDER BY u.id LIMIT 1`,
      [new Date(watermark - 20 * DAY), new Date(watermark - 18 * DAY)],
    )) as { rows: Array<{ id: number; created_at: Date }> };
    const target = rows[0]!;
    const occurred = new Date(target.created_at.getTime() + 7 * DAY + HOUR);
    await t.db('app.events').insert({ id: 10_000_000, user_id: target.id, name: 'login', occurred_at: occurred });

    const before = await computeKpiCounts(t.db, now);
    const truth = await computeKpiCounts(t.db, now, { source: 'events' });
    expect(truth.d7Retention.successes).toBe(before.d7Retention.successes + 1);
    await refreshEventRollups(t.db, now);
    expect((await computeKpiCounts(t.db, now)).d7Retention).toEqual(before.d7Retention);

    const reconciled = await reconcileEventRollups(t.db, now);
    expect(reconciled.changedDays).toEqual([occurred.toISOString().slice(0, 10)]);
    expect(await computeKpiCounts(t.db, now)).toEqual(truth);
    expect((await reconcileEventRollups(t.db, now)).changedDays).toEqual([]);
  });
});
