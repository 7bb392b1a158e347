// Early behaviours of retained users against real PostgreSQL: hand-built users on every window edge
// (cohort start and end, first week's end, week 5's start and end, events before signup, deleted users,
// repeated events) and the lift computed by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { highPerformerBehaviours, queryBehaviourCounts } from '../../db/queries/learning';
import { createTestDb, type TestDb } from '../helpers/db';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const N = Date.parse('2026-11-25T06:00:00.000Z');
const NOW = new Date(N);
const d = (ms: number) => new Date(ms);

let t: TestDb;
const users: Array<{ id: number; email: string; created_at: Date; deleted_at: Date | null }> = [];
const events: Array<{ id: number; user_id: number; name: string; occurred_at: Date }> = [];
const created = new Map<number, number>();
const user = (id: number, createdAt: number, deleted = false) => {
  created.set(id, createdAt);
  users.push({ id, email: `u${id}@example.com`, created_at: d(createdAt), deleted_at: deleted ? d(N - DAY) : null });
};
/** An event `offset` ms after the user's signup. */
const ev = (userId: number, name: string, offset: number) =>
  events.push({ id: events.length + 1, user_id: userId, name, occurred_at: d(created.get(userId)! + offset) });

// Judged cohort (cohortDays 90): signups in [N − 125d, N − 35d).
const base = N - 60 * DAY;
for (let id = 1; id <= 10; id++) user(id, base + id * HOUR);
user(13, N - 125 * DAY); // exactly at the start → in
user(11, N - 35 * DAY); // exactly at the end → out
user(12, N - 125 * DAY - 1); // 1 ms before the start → out
user(14, base, true); // deleted → out

for (const id of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 11, 12, 14]) ev(id, 'login', HOUR);
for (const id of [1, 2, 3, 4]) ev(id, 'invite', 2 * DAY);
ev(1, 'invite', 3 * DAY); // repeated: still one user
ev(1, 'invite', 4 * DAY);
ev(6, 'invite', 7 * DAY); // exactly at the end of the first week → not early
ev(9, 'invite', -HOUR); // before signup → not early
for (const id of [1, 5, 6]) ev(id, 'tour', DAY);
ev(11, 'invite', DAY); // out of the cohort
ev(14, 'invite', DAY);
// Retained: an event in [created + 28d, created + 35d).
for (const id of [1, 2, 3, 5]) ev(id, 'session', 30 * DAY);
ev(8, 'session', 28 * DAY); // exactly at week 5's start → retained
ev(7, 'session', 35 * DAY); // exactly at its end → not retained
ev(4, 'session', 27 * DAY); // too early → not retained
ev(11, 'session', 30 * DAY);
ev(14, 'session', 30 * DAY);

beforeAll(async () => {
  t = await createTestDb('learning-behaviours');
  await t.db.batchInsert('app.users', users, 500);
  await t.db.batchInsert('app.events', events, 500);
});
afterAll(() => t?.drop());

describe('high-performing users', () => {
  it('counts judged users, retained users and first-week behaviours', async () => {
    const c = await queryBehaviourCounts(t.db, NOW);
    // Judged: 1–10 and 13 (N = 11); retained: 1, 2, 3, 5, 8 (R = 5).
    expect(c.users).toBe(11);
    expect(c.retained).toBe(5);
    expect(c.events).toEqual([
      { name: 'invite', did: 4, didRetained: 3 }, // 1–4; 6's and 9's don't count
      { name: 'login', did: 11, didRetained: 5 },
      { name: 'tour', did: 3, didRetained: 2 }, // 1, 5, 6
    ]);
  });

  it('lift by hand: invite 0.75 / (2/7) = 2.625, tour (2/3) / (3/8) = 16/9; login is insufficient', async () => {
    const a = await highPerformerBehaviours(t.db, NOW, { minSample: 3 });
    expect(a.users).toBe(11);
    expect(a.baselineRetention).toBeCloseTo(5 / 11, 12);
    expect(a.ranked.map((r) => r.name)).toEqual(['invite', 'tour']);
    const [invite, tour] = a.ranked;
    expect(invite).toMatchObject({ didN: 4, didRetained: 3, didntN: 7, didntRetained: 2 });
    expect(invite!.pRetainedIfDid).toBe(0.75);
    expect(invite!.pRetainedIfDidnt).toBeCloseTo(2 / 7, 12);
    expect(invite!.lift).toBeCloseTo(2.625, 12);
    expect(tour).toMatchObject({ didN: 3, didRetained: 2, didntN: 8, didntRetained: 3 });
    expect(tour!.lift).toBeCloseTo(16 / 9, 12);
    expect(a.insufficientCount).toBe(1);
    expect(a.cohort).toEqual({
      start: new Date(N - 125 * DAY).toISOString(),
      end: new Date(N - 35 * DAY).toISOString(),
    });
  });

  it('with the default minimum sample (30) nothing this small is ranked', async () => {
    const a = await highPerformerBehaviours(t.db, NOW);
    expect(a.ranked).toEqual([]);
    expect(a.insufficientCount).toBe(3);
  });
});
