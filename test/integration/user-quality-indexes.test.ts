// The data-quality checks' partial indexes (migration 27) on real PostgreSQL: their predicates carry the same
// email pattern the detectors inline, and the planner can prove them, so each check reads its small index.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VALID_EMAIL_PATTERN, VALID_EMAIL_SQL } from '../../db/queries/detectors';
import { createTestDb, type TestDb } from '../helpers/db';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb('user-quality-indexes');
});
afterAll(() => t?.drop());

/** The indexes of the plan of `sql`, with sequential scans off so that any provable index shows up. */
async function indexesUsed(sql: string): Promise<string[]> {
  return t.db.transaction(async (trx) => {
    await trx.raw('SET LOCAL enable_seqscan = off');
    const { rows } = (await trx.raw(`EXPLAIN (FORMAT JSON) ${sql}`)) as { rows: Array<{ 'QUERY PLAN': unknown }> };
    return [...JSON.stringify(rows[0]!['QUERY PLAN']).matchAll(/"Index Name":"(\w+)"/g)].map((m) => m[1]!);
  });
}

describe('data-quality indexes', () => {
  it('are built with the detectors’ email pattern', async () => {
    const { rows } = (await t.db.raw(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'app' AND indexname IN
         ('users_email_malformed_idx', 'users_email_unnormalized_idx', 'users_email_null_idx', 'users_email_norm_live_idx')
       ORDER BY indexname`,
    )) as { rows: Array<{ indexname: string; indexdef: string }> };
    expect(rows.map((r) => r.indexname)).toEqual([
      'users_email_malformed_idx',
      'users_email_norm_live_idx',
      'users_email_null_idx',
      'users_email_unnormalized_idx',
    ]);
    for (const r of rows.filter((x) => /malformed|unnormalized/.test(x.indexname)))
      expect(r.indexdef, r.indexname).toContain(VALID_EMAIL_PATTERN);
  });

  it('serve the malformed, not-normalized and null checks', async () => {
    expect(
      await indexesUsed(
        `SELECT count(*) FROM app.users u WHERE u.email IS NOT NULL AND NOT (lower(btrim(u.email)) ~ ${VALID_EMAIL_SQL})`,
      ),
    ).toContain('users_email_malformed_idx');
    expect(
      await indexesUsed(
        `SELECT u.id FROM app.users u WHERE u.email <> lower(btrim(u.email)) AND lower(btrim(u.email)) ~ ${VALID_EMAIL_SQL}`,
      ),
    ).toContain('users_email_unnormalized_idx');
    expect(await indexesUsed('SELECT count(*) FROM app.users u WHERE u.email IS NULL')).toContain(
      'users_email_null_idx',
    );
  });
});
