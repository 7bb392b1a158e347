// GET /api/autonomous/recovered-revenue and its /metrics gauges against the real api and PostgreSQL:
// seeded retry decisions give the figures computed here from the seed; a bad window is a 400 problem
// naming the field; an unreachable PostgreSQL is a 503 problem.
import knexFactory from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { insertCycle, insertRecoveryCharges, type RecoveryCharge } from './fixtures';
import { problemOf, setupE2E, type E2E } from './harness';

let e: E2E;
let charges: RecoveryCharge[];
const now = new Date();

beforeAll(async () => {
  e = await setupE2E('recovered-revenue');
  await insertCycle(e.t.db, { id: 'rr-live', dryRun: false });
  charges = await insertRecoveryCharges(e.t.db, { cycleId: 'rr-live', now, treated: 45, heldOut: 24 });
});
afterAll(async () => {
  await e?.close();
});

const get = (query = '') =>
  e.app.inject({ method: 'GET', url: `/api/autonomous/recovered-revenue${query}`, headers: e.as('viewer') });
const sum = (cs: RecoveryCharge[]) => cs.reduce((a, c) => a + c.amountCents, 0);

describe('GET /api/autonomous/recovered-revenue', () => {
  it('states eligible, retried and recovered charges, the rates and the incremental recovery with its interval', async () => {
    const res = await get();
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const treated = charges.filter((c) => !c.heldOut);
    const held = charges.filter((c) => c.heldOut);
    const recovered = treated.filter((c) => c.recovered);
    const heldRecovered = held.filter((c) => c.recovered);
    expect(body.denominator).toMatch(/^Failed charges that the gates of a live cycle admitted/);
    expect(body.window.to).toBe(now.toISOString().slice(0, 7));
    expect(recovered).toHaveLength(27);
    expect(heldRecovered).toHaveLength(6);
    expect(body.total.eligible).toEqual({ count: 69, amountCents: sum(charges) });
    expect(body.total.retried).toEqual({ count: 45, amountCents: sum(treated) });
    expect(body.total.recovered).toEqual({ count: 27, amountCents: sum(recovered) });
    expect(body.total.recoveryRate).toBeCloseTo(27 / 45, 12);
    expect(body.total.holdoutRecovered).toEqual({ count: 6, amountCents: sum(heldRecovered) });
    expect(body.total.incremental.rate).toBeCloseTo(27 / 45 - 6 / 24, 12);
    const amount = (sum(recovered) / sum(treated) - sum(heldRecovered) / sum(held)) * sum(treated);
    expect(body.total.incremental.amountCents).toBeCloseTo(amount, 6);
    const { low, high } = body.total.incremental.amountInterval;
    expect(low).toBeLessThan(amount);
    expect(high).toBeGreaterThan(amount);
    expect(body.total.incremental.rateInterval.low).toBeLessThan(body.total.incremental.rate);
    // Twelve months, the seeded three at the end; the codes by eligible amount.
    expect(body.byMonth).toHaveLength(12);
    expect(body.byMonth.reduce((a: number, m: { eligible: { count: number } }) => a + m.eligible.count, 0)).toBe(69);
    expect(body.byMonth.at(-1).eligible.count).toBe(charges.filter((c) => c.month === body.window.to).length);
    expect(body.byDeclineCode.map((c: { declineCode: string }) => c.declineCode).sort()).toEqual([
      'card_declined',
      'insufficient_funds',
      'try_again_later',
    ]);
    const one = await get('?months=1');
    expect(one.json().byMonth).toHaveLength(1);
    expect(one.json().total.eligible.count).toBe(body.byMonth.at(-1).eligible.count);
  });

  it('takes from/to months', async () => {
    const res = await get('?from=2020-01&to=2020-03');
    expect(res.statusCode).toBe(200);
    expect(res.json().window).toEqual({ from: '2020-01', to: '2020-03' });
    expect(res.json().total.eligible.count).toBe(0);
    expect(res.json().byMonth.map((m: { month: string }) => m.month)).toEqual(['2020-01', '2020-02', '2020-03']);
  });

  it.each([
    ['?months=0', 'months'],
    ['?months=121', 'months'],
    ['?months=abc', 'months'],
    ['?from=2026-13', 'from'],
    ['?from=26-01', 'from'],
    ['?months=3&from=2026-01', 'months'],
    ['?from=2026-05&to=2026-01', 'from'],
    ['?from=2000-01&to=2026-01', 'from'],
    ['?window=3', ''],
  ])('answers %s with a 400 problem', async (query, field) => {
    const res = await get(query);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const p = problemOf(res) as { errors?: Array<{ path: string }> };
    if (field) expect(p.errors?.map((x) => x.path).join(' ')).toContain(field);
  });

  it('answers 503 when PostgreSQL is unreachable', async () => {
    const quiet = () => undefined;
    const deadDb = knexFactory({
      client: 'pg',
      connection: 'postgres://postgres:postgres@127.0.0.1:1/none',
      pool: { min: 0, max: 2 },
      log: { error: quiet, warn: quiet, debug: quiet, deprecate: quiet },
    });
    const app = await buildApp({
      db: deadDb,
      temporal: { client: e.client, namespace: e.namespace, taskQueue: e.taskQueue },
    });
    try {
      const res = await app.inject({
        method: 'GET',
        url: '/api/autonomous/recovered-revenue',
        headers: e.as('viewer'),
      });
      expect(res.statusCode).toBe(503);
      expect(problemOf(res).detail).toBe('PostgreSQL is unreachable; try again shortly.');
    } finally {
      await app.close();
      await deadDb.destroy();
    }
  });
});

describe('/metrics', () => {
  it('exposes the recovered amount, the recovery rate and the incremental recovery with its interval', async () => {
    const body = (await e.app.inject({ method: 'GET', url: '/metrics' })).body;
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(body)?.[1]);
    const report = (await get()).json();
    expect(value('floyo_recovered_revenue_cents')).toBe(report.total.recovered.amountCents);
    expect(value('floyo_recovery_rate')).toBeCloseTo(27 / 45, 12);
    expect(value('floyo_incremental_recovered_revenue_cents\\{bound="point"\\}')).toBeCloseTo(
      report.total.incremental.amountCents,
      6,
    );
    expect(value('floyo_incremental_recovered_revenue_cents\\{bound="low"\\}')).toBeCloseTo(
      report.total.incremental.amountInterval.low,
      6,
    );
    expect(value('floyo_incremental_recovered_revenue_cents\\{bound="high"\\}')).toBeCloseTo(
      report.total.incremental.amountInterval.high,
      6,
    );
  });
});
