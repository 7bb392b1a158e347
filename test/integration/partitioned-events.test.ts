// app.events partitioned by month (migration 25) against real PostgreSQL: the seeded demo data fills monthly
// partitions and leaves the DEFAULT one empty, the KPI window query scans only the months of its window,
// partitions ahead are created idempotently (also by two callers at once), rows parked in the DEFAULT partition
// move to their month's partition, and every analyze read gives the same answers as on a plain table
// (the down migration and the up migration run on the seeded rows in between).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureEventPartitions } from '../../db/event-partitions';
import { computeKpiCounts } from '../../db/queries/kpis';
import { queryBehaviourCounts } from '../../db/queries/learning';
import { runAllDetectors } from '../../db/queries/detectors';
import {
  queryAtRiskUsers,
  queryChurnSignalUsers,
  queryRecentNonActivatedSignups,
  queryUpgradeCandidates,
} from '../../db/queries/targets';
import { kpiWindows } from '../../engine/kpi/windows';
import * as partitionedEvents from '../../migrations/20261203000025_partitioned_events';
import { captureStatements } from '../../scripts/bench/explain';
import { seedDemoData } from '../../scripts/seed/generate';
import { createTestDb, type TestDb } from '../helpers/db';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const DAY = 86_400_000;

let t: TestDb;

interface Partition {
  name: string;
  bound: string;
  rows: number;
}

async function partitions(): Promise<Partition[]> {
  const { rows } = (await t.db.raw(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound,
            (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM app.%I', c.relname), false, true, '')))[1]::text::int AS rows
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'app.events'::regclass
      ORDER BY c.relname`,
  )) as { rows: Partition[] };
  return rows;
}

async function relkind(): Promise<string> {
  const { rows } = (await t.db.raw(`SELECT relkind FROM pg_class WHERE oid = 'app.events'::regclass`)) as {
    rows: Array<{ relkind: string }>;
  };
  return rows[0]!.relkind;
}

/** "events_2026_11" for every UTC month touched by [from, to). */
function monthsOf(from: Date, to: Date): string[] {
  const out: string[] = [];
  const m = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  while (m.getTime() < to.getTime()) {
    out.push(`events_${m.getUTCFullYear()}_${String(m.getUTCMonth() + 1).padStart(2, '0')}`);
    m.setUTCMonth(m.getUTCMonth() + 1);
  }
  return out;
}

/** The app.events relations (partitions or the plain table) a plan reads. */
function eventRelations(plan: unknown): string[] {
  const found = new Set<string>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const node = n as Record<string, unknown>;
    const rel = node['Relation Name'];
    if (typeof rel === 'string' && /^events(_|$)/.test(rel)) found.add(rel);
    Object.values(node).forEach(walk);
  };
  walk(plan);
  return [...found].sort();
}

async function explainRelations(fn: () => Promise<unknown>, match: RegExp): Promise<string[][]> {
  const statements = (await captureStatements(t.db, fn)).filter((s) => match.test(s.sql));
  expect(statements.length).toBeGreaterThan(0);
  const client = new pg.Client({ connectionString: t.url });
  await client.connect();
  try {
    const out: string[][] = [];
    for (const s of statements) {
      const { rows } = await client.query({ text: `EXPLAIN (FORMAT JSON) ${s.sql}`, values: s.bindings });
      out.push(eventRelations((rows[0] as Record<string, unknown>)['QUERY PLAN']));
    }
    return out;
  } finally {
    await client.end();
  }
}

/** Every read of the analyze phase that touches app.events, as plain JSON. */
async function analyzeReads(): Promise<unknown> {
  const opts = { limit: 10_000 };
  return JSON.parse(
    JSON.stringify({
      kpis: await computeKpiCounts(t.db, NOW),
      behaviours: await queryBehaviourCounts(t.db, NOW),
      findings: (await runAllDetectors(t.db, NOW)).map((f) => ({ ...f })),
      recentSignups: await queryRecentNonActivatedSignups(t.db, NOW, opts),
      atRisk: await queryAtRiskUsers(t.db, NOW, opts),
      churn: await queryChurnSignalUsers(t.db, NOW, opts),
      upgrades: await queryUpgradeCandidates(t.db, NOW, opts),
    }),
  );
}

beforeAll(async () => {
  t = await createTestDb('partitioned_events');
  await seedDemoData(t.db, { users: 1200, seed: 11, now: NOW });
}, 120_000);

afterAll(async () => {
  await t?.drop();
});

describe('app.events partitioned by month', () => {
  it('is partitioned by month with the seeded months filled and the DEFAULT partition empty', async () => {
    expect(await relkind()).toBe('p');
    const parts = await partitions();
    const monthly = parts.filter((p) => p.name !== 'events_default');
    expect(parts.find((p) => p.name === 'events_default')).toMatchObject({ bound: 'DEFAULT', rows: 0 });
    for (const p of monthly) {
      const [, y, m] = /^events_(\d{4})_(\d{2})$/.exec(p.name)!;
      const lo = new Date(Date.UTC(Number(y), Number(m) - 1, 1));
      const hi = new Date(Date.UTC(Number(y), Number(m), 1));
      const { rows } = (await t.db.raw(
        `SELECT pg_get_expr(relpartbound, oid) = format('FOR VALUES FROM (%L) TO (%L)', ?::timestamptz, ?::timestamptz) AS ok
           FROM pg_class WHERE oid = format('app.%I', ?::text)::regclass`,
        [lo, hi, p.name],
      )) as { rows: Array<{ ok: boolean }> };
      expect(rows[0]!.ok, p.name).toBe(true);
    }
    // Signups from 90 days before NOW, the planted future events up to 30 days after it.
    const seeded = monthsOf(new Date(NOW.getTime() - 91 * DAY), new Date(NOW.getTime() + 31 * DAY));
    expect(monthly.map((p) => p.name)).toEqual(expect.arrayContaining(seeded));
    const total = monthly.reduce((n, p) => n + p.rows, 0);
    const { rows } = (await t.db.raw('SELECT count(*)::int AS n FROM app.events')) as { rows: Array<{ n: number }> };
    expect(total).toBe(rows[0]!.n);
    expect(total).toBeGreaterThan(1000);
    // The queries' indexes are on the parent, hence on every partition.
    const { rows: ix } = (await t.db.raw(
      `SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'app.events'::regclass ORDER BY 1`,
    )) as { rows: Array<{ name: string }> };
    expect(ix.map((r) => r.name)).toEqual([
      'app.events_name_user_idx',
      'app.events_pkey',
      'app.events_time_idx',
      'app.events_user_time_idx',
    ]);
    // ...valid, and present on every partition (the seed drops and rebuilds them around its bulk load).
    const { rows: perPartition } = (await t.db.raw(
      `SELECT c.relname AS name, count(x.indexrelid)::int AS indexes, bool_and(x.indisvalid) AS valid
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid LEFT JOIN pg_index x ON x.indrelid = c.oid
        WHERE i.inhparent = 'app.events'::regclass GROUP BY c.relname`,
    )) as { rows: Array<{ name: string; indexes: number; valid: boolean }> };
    expect(perPartition.filter((p) => p.indexes !== 4 || !p.valid)).toEqual([]);
    const { rows: invalid } = (await t.db.raw(
      `SELECT count(*)::int AS n FROM pg_index WHERE indrelid = 'app.events'::regclass AND NOT indisvalid`,
    )) as { rows: Array<{ n: number }> };
    expect(invalid[0]!.n).toBe(0);
  });

  it("the KPI window queries scan only their window's months", async () => {
    const c = kpiWindows(NOW).cohortC;
    const [d7] = await explainRelations(() => computeKpiCounts(t.db, NOW), /FILTER \(WHERE EXISTS/);
    const upper = Math.min(NOW.getTime(), c.end.getTime() + 8 * DAY);
    expect(d7).toEqual(monthsOf(new Date(c.start.getTime() + 7 * DAY), new Date(upper)));
    expect(d7!.length).toBeLessThan((await partitions()).length - 1);
    // The freshness detector reads up to now: no month after NOW's.
    const fresh = await explainRelations(
      () => runAllDetectors(t.db, NOW),
      /max\(occurred_at\) from app\.events where occurred_at <= \$1/,
    );
    expect(fresh[0]).toEqual(expect.arrayContaining(['events_2026_11']));
    expect(fresh[0]).not.toContain('events_2026_12');
  });

  it('creates the partitions ahead idempotently, also when two callers race', async () => {
    const later = new Date('2027-06-15T00:00:00.000Z');
    const [a, b] = await Promise.all([ensureEventPartitions(t.db, later, 2), ensureEventPartitions(t.db, later, 2)]);
    expect(a + b).toBeGreaterThan(0);
    const names = (await partitions()).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['events_2027_06', 'events_2027_07', 'events_2027_08']));
    expect(await ensureEventPartitions(t.db, later, 2)).toBe(0);
    expect((await partitions()).map((p) => p.name)).toEqual(names);
  });

  it('moves rows parked in the DEFAULT partition into the month that gets its partition', async () => {
    const at = new Date('2028-03-10T08:00:00.000Z');
    await t.db('app.events').insert({ id: 9_000_000_001, user_id: 1, name: 'login', occurred_at: at });
    expect((await partitions()).find((p) => p.name === 'events_default')!.rows).toBe(1);
    expect(await ensureEventPartitions(t.db, at, 0)).toBe(1);
    const parts = await partitions();
    expect(parts.find((p) => p.name === 'events_default')!.rows).toBe(0);
    expect(parts.find((p) => p.name === 'events_2028_03')!.rows).toBe(1);
    await t.db('app.events').where({ id: 9_000_000_001 }).delete();
  });

  it('gives the same analyze answers as a plain table; down and up keep every row', async () => {
    const partitioned = await analyzeReads();
    const count = async () =>
      Number(((await t.db.raw('SELECT count(*) AS n FROM app.events')) as { rows: Array<{ n: string }> }).rows[0]!.n);
    const rows = await count();

    await partitionedEvents.down(t.db);
    expect(await relkind()).toBe('r');
    expect(await count()).toBe(rows);
    expect(await analyzeReads()).toEqual(partitioned);

    await partitionedEvents.up(t.db);
    expect(await relkind()).toBe('p');
    expect(await count()).toBe(rows);
    expect((await partitions()).find((p) => p.name === 'events_default')!.rows).toBe(0);
    expect(await analyzeReads()).toEqual(partitioned);
  });

  it('leaves a view named app.events alone', async () => {
    await t.db.raw(
      'ALTER TABLE app.events RENAME TO events_platform; CREATE VIEW app.events AS SELECT * FROM app.events_platform',
    );
    try {
      expect(await ensureEventPartitions(t.db, NOW)).toBe(0);
      await partitionedEvents.up(t.db);
      expect(await relkind()).toBe('v');
    } finally {
      await t.db.raw('DROP VIEW app.events; ALTER TABLE app.events_platform RENAME TO events');
    }
  });
});
