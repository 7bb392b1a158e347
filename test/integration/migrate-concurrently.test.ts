// Several processes migrating one empty database at the same moment (workers and apis starting together): without
// serializing them, knex's unlocked creation of its own tables fails all but one, or leaves two lock rows that lock
// every later start out. Real PostgreSQL, four knex instances, each with its own pool like a process.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/knex';
import { migrateLatest } from '../../db/migrate';
import { createTestDb, type TestDb } from '../helpers/db';

let t: TestDb;
let dbs: Db[] = [];

beforeAll(async () => {
  t = await createTestDb('migrate-concurrently', { migrated: false });
  dbs = [1, 2, 3, 4].map((i) => createDb(t.url, { poolMax: 2, applicationName: `migrator-${i}` }));
});

afterAll(async () => {
  await Promise.all(dbs.map((d) => d.destroy()));
  await t?.drop();
});

it('applies each migration once, answers every migrator, and leaves the lock free', async () => {
  const results = await Promise.allSettled(dbs.map((d) => migrateLatest(d)));
  expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
  const applied = results.map((r) => (r as PromiseFulfilledResult<string[]>).value);
  const recorded: string[] = await t.db('public.knex_migrations').orderBy('id').pluck('name');
  expect(recorded.length).toBeGreaterThan(10);
  expect(new Set(recorded).size).toBe(recorded.length);
  // One migrator applied them all; the others waited and found nothing left to do.
  expect(applied.map((a) => a.length).sort((x, y) => x - y)).toEqual([0, 0, 0, recorded.length]);
  expect(await t.db('public.knex_migrations_lock').select('is_locked')).toEqual([{ is_locked: 0 }]);
  expect(await migrateLatest(dbs[0]!)).toEqual([]);
});
