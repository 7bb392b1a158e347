// computeKpis against real PostgreSQL: hand-built rows on every window boundary with hand-computed
// expectations, and a generated dataset checked against an independent plain-JS computation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeKpiCounts, computeKpis } from '../../db/queries/kpis';
import { wilsonInterval } from '../../engine/kpi/wilson';
import type { KpiName, KpiResult } from '../../engine/types';
import { createTestDb, type TestDb } from '../helpers/db';

const DAY = 86_400_000;
const N = Date.parse('2026-11-25T06:00:00.000Z');
const NOW = new Date(N);
const HOUR = 3_600_000;
const d = (ms: number) => new Date(ms);
const iso = (s: string) => Date.parse(s);

type UserRow = { id: number; email: string; created_at: Date; activated_at: Date | null; deleted_at: Date | null };
type EventRow = { id: number; user_id: number; name: string; occurred_at: Date };
type SubRow = {
  id: number;
  user_id: number;
  plan_id: number;
  status: string;
  mrr_cents: number;
  started_at: Date;
  canceled_at: Date | null;
};
type SpendRow = { channel: string; month: string; spend_cents: number };

function byName(kpis: KpiResult[]): Record<KpiName, KpiResult> {
  return Object.fromEntries(kpis.map((k) => [k.name, k])) as Record<KpiName, KpiResult>;
}

async function insertAll(
  t: TestDb,
  rows: { users?: UserRow[]; events?: EventRow[]; subs?: SubRow[]; spend?: SpendRow[] },
) {
  if (rows.users?.length) await t.db.batchInsert('app.users', rows.users, 1000);
  if (rows.events?.length) await t.db.batchInsert('app.events', rows.events, 1000);
  if (rows.subs?.length) await t.db.batchInsert('app.subscriptions', rows.subs, 1000);
  if (rows.spend?.length) await t.db.batchInsert('app.acquisition_spend', rows.spend, 1000);
}

describe('cohort KPIs on hand-built boundary rows', () => {
  let t: TestDb;
  const users: UserRow[] = [];
  const events: EventRow[] = [];
  const subs: SubRow[] = [];
  const user = (id: number, created: number, activated: number | null = null, deleted: number | null = null) =>
    users.push({
      id,
      email: `u${id}@example.com`,
      created_at: d(created),
      activated_at: activated == null ? null : d(activated),
      deleted_at: deleted == null ? null : d(deleted),
    });
  const event = (userId: number, at: number, name = 'login') =>
    events.push({ id: events.length + 1, user_id: userId, name, occurred_at: d(at) });
  const sub = (userId: number, status: string, mrr: number, started: number, canceled: number | null = null) =>
    subs.push({
      id: subs.length + 1,
      user_id: userId,
      plan_id: 1,
      status,
      mrr_cents: mrr,
      started_at: d(started),
      canceled_at: canceled == null ? null : d(canceled),
    });

  // Cohort C = [N − 37d, N − 7d).
  let c = N - 37 * DAY; // u1: exactly at the start → IN; activated and seen exactly at +7d → both count.
  user(1, c, c + 7 * DAY);
  event(1, c + 7 * DAY);
  c = N - 7 * DAY - 1; // u2: last millisecond of C → IN; activated 1 ms late; its only D7 event is exactly at now → not counted.
  user(2, c, c + 7 * DAY + 1);
  event(2, N);
  c = N - 7 * DAY; // u3: exactly at the end → OUT (would count for both).
  user(3, c, c);
  event(3, c + 7 * DAY + HOUR);
  c = N - 37 * DAY - 1; // u4: 1 ms before C → OUT of C; in F, converts nowhere.
  user(4, c);
  c = N - 20 * DAY; // u5: deleted → OUT (would count for both).
  user(5, c, c, N - 10 * DAY);
  event(5, c + 7 * DAY + HOUR);
  c = N - 20 * DAY; // u6: events 1 ms before the D7 window and exactly at its end → not retained.
  user(6, c);
  event(6, c + 7 * DAY - 1);
  event(6, c + 8 * DAY);
  c = N - 15 * DAY; // u7: activated at signup, two events inside the D7 window → counted once each.
  user(7, c, c);
  event(7, c + 7 * DAY + 12 * HOUR);
  event(7, c + 7 * DAY + 13 * HOUR);
  c = N - 25 * DAY; // u8: activated_at before created_at (clock skew): counts, as the design's formula reads.
  user(8, c, c - HOUR);
  c = N - 10 * DAY; // u9: an event at the last millisecond of the D7 window → retained.
  user(9, c);
  event(9, c + 8 * DAY - 1);
  c = N - 30 * DAY; // u12: in C (and exactly at F's end → OUT of F), does nothing.
  user(12, c);
  c = N - 30 * DAY - 1; // u13: in C and F; every funnel step 1 ms after the 30 days.
  user(13, c, c + 30 * DAY + 1);
  event(13, c + 30 * DAY + 1, 'onboarding_completed');
  sub(13, 'active', 2900, c + 30 * DAY + 1);
  c = iso('2026-10-29T12:00:00.000Z'); // u20: 7 × 24 h crosses the US DST change (2026-11-01): +30 min is late.
  user(20, c, c + 7 * DAY + 30 * 60_000);
  event(20, c + 8 * DAY + 30 * 60_000);

  // Cohort F = [N − 60d, N − 30d); u1 and u4 are in it too.
  c = N - 60 * DAY; // u10: exactly at F's start → IN; every step exactly at +30d → counts.
  user(10, c, c + 30 * DAY);
  event(10, c + 30 * DAY, 'onboarding_completed');
  sub(10, 'active', 2900, c + 30 * DAY);
  c = N - 60 * DAY - 1; // u11: 1 ms before F → OUT.
  user(11, c, c + DAY);
  event(11, c + DAY, 'onboarding_completed');
  sub(11, 'active', 2900, c + DAY);
  c = N - 45 * DAY; // u14: onboarded, activated; a trial and a free subscription are not "paid".
  user(14, c, c + 2 * DAY);
  event(14, c + DAY, 'onboarding_completed');
  sub(14, 'trialing', 2900, c + 3 * DAY);
  sub(14, 'active', 0, c + 3 * DAY);
  c = N - 50 * DAY; // u15: every step; its paid subscription is canceled since, still "paid".
  user(15, c, c + DAY);
  event(15, c + DAY, 'onboarding_completed');
  sub(15, 'canceled', 1900, c + 5 * DAY, c + 20 * DAY);
  c = N - 55 * DAY; // u16: deleted → OUT.
  user(16, c, c + DAY, N - 40 * DAY);
  event(16, c + DAY, 'onboarding_completed');
  c = N - 40 * DAY; // u17: activated and paid without the onboarding event.
  user(17, c, c + 3 * DAY);
  sub(17, 'active', 2900, c + 4 * DAY);
  c = N - 42 * DAY; // u18: onboarded; an incomplete subscription never paid.
  user(18, c);
  event(18, c + 2 * DAY, 'onboarding_completed');
  sub(18, 'incomplete', 2900, c + 2 * DAY);
  c = N - 44 * DAY; // u19: a different event name is not the onboarding step.
  user(19, c);
  event(19, c + DAY, 'onboarding_started');

  beforeAll(async () => {
    t = await createTestDb('kpi-sql-boundaries');
    await insertAll(t, { users, events, subs });
  });
  afterAll(() => t.drop());

  it('counts exactly the hand-computed members of each cohort and step', async () => {
    const counts = await computeKpiCounts(t.db, NOW);
    // C = {1, 2, 6, 7, 8, 9, 12, 13, 20}; activated ≤ 7d: {1, 7, 8}; D7: {1, 7, 9}.
    expect(counts.activation).toEqual({ cohort: 9, successes: 3 });
    expect(counts.d7Retention).toEqual({ cohort: 9, successes: 3 });
    // F = {1, 4, 10, 13, 14, 15, 17, 18, 19}; onboarded {10, 14, 15, 18}; activated ≤ 30d {1, 10, 14, 15, 17};
    // paid {10, 15, 17}; onboarded ∧ activated {10, 14, 15}; all three {10, 15}.
    expect(counts.funnel).toEqual({
      cohort: 9,
      onboarded: 4,
      activated: 5,
      paid: 3,
      onboardedActivated: 3,
      onboardedActivatedPaid: 2,
    });
    // Paying now: 10 (started exactly at now − 30d), 11, 17 → MRR 8700; u13 starts exactly at now → not yet.
    // Paying at now − 30d: 11, 15 (canceled exactly then, so still live), 17; u10 starts exactly then → not.
    // Churned: 15. New paying (Aug–Oct): 10, 11, 15, 17. No spend rows.
    expect(counts.ltvCac).toEqual({
      activeMrrCents: 8700,
      activeCustomers: 3,
      customersAtChurnStart: 3,
      churnedCustomers: 1,
      acquisitionSpendCents: 0,
      newPayingCustomers: 4,
    });
  });

  it('measures the KPIs exactly at the minimum sample', async () => {
    const k = byName(await computeKpis(t.db, NOW, { minSample: 9, grossMargin: 0.8 }));
    expect(k.activation_rate).toMatchObject({
      value: 3 / 9,
      sampleSize: 9,
      status: 'below_target',
      interval: wilsonInterval(3, 9),
    });
    expect(k.d7_retention).toMatchObject({ value: 3 / 9, sampleSize: 9, status: 'ok', interval: wilsonInterval(3, 9) });
    expect(k.signup_to_activation).toMatchObject({
      value: 5 / 9,
      sampleSize: 9,
      status: 'ok',
      interval: wilsonInterval(5, 9),
    });
    expect(k.signup_to_activation.details.dropOff).toEqual({ step: 'onboarding_completed', conversion: 4 / 9 });
    expect((k.signup_to_activation.details.steps as Array<{ count: number }>).map((s) => s.count)).toEqual([
      9, 4, 3, 2,
    ]);
    expect(k.activation_rate.details).toMatchObject({
      numerator: 3,
      denominator: 9,
      window: { start: '2026-10-19T06:00:00.000Z', end: '2026-11-18T06:00:00.000Z' },
    });
    // Spend is zero, so CAC is 0 and the ratio unbounded: no value.
    expect(k.ltv_cac).toMatchObject({ value: null, interval: null, status: 'insufficient_data', sampleSize: 3 });
    expect(k.ltv_cac.details.reason).toBe('below_min_sample');
    expect(k.ltv_cac.details.reasons).toEqual(['below_min_sample', 'no_acquisition_spend']);
  });

  it('one below the minimum sample is insufficient data', async () => {
    const k = byName(await computeKpis(t.db, NOW, { minSample: 10, grossMargin: 0.8 }));
    for (const name of ['activation_rate', 'd7_retention', 'signup_to_activation'] as const) {
      expect(k[name]).toMatchObject({ value: null, interval: null, status: 'insufficient_data', sampleSize: 9 });
    }
    expect(k.signup_to_activation.details.dropOff).toBeNull();
  });

  it('does not depend on the session TimeZone (24-hour days across a DST change)', async () => {
    const utc = await computeKpiCounts(t.db, NOW);
    const ny = await t.db.transaction(async (trx) => {
      await trx.raw(`SET LOCAL TIME ZONE 'America/New_York'`);
      return computeKpiCounts(trx, NOW);
    });
    expect(ny).toEqual(utc);
  });

  it('reads nothing at or after now: the same now gives the same numbers after later data arrives', async () => {
    const before = await computeKpiCounts(t.db, NOW);
    const trx = await t.db.transaction();
    try {
      // u2's D7 window runs past now: an event there after now must not count at this `now`.
      await trx('app.events').insert({ id: 10_000, user_id: 2, name: 'login', occurred_at: d(N + HOUR) });
      expect(await computeKpiCounts(trx, NOW)).toEqual(before);
      // ...while at a later now it does.
      const later = await computeKpiCounts(trx, d(N + 2 * HOUR));
      expect(later.d7Retention.successes).toBe(before.d7Retention.successes + 1);
    } finally {
      await trx.rollback();
    }
  });
});

describe('LTV:CAC on hand-built subscriptions and spend', () => {
  let t: TestDb;
  const t0 = N - 30 * DAY; // 2026-10-26T06:00Z; CAC window [2026-08-01, 2026-11-01).
  const subs: SubRow[] = [];
  const sub = (userId: number, status: string, mrr: number, started: number, canceled: number | null = null) =>
    subs.push({
      id: subs.length + 1,
      user_id: userId,
      plan_id: 1,
      status,
      mrr_cents: mrr,
      started_at: d(started),
      canceled_at: canceled == null ? null : d(canceled),
    });
  sub(101, 'active', 5000, iso('2026-01-10T00:00:00Z')); // paying now and at t0; old customer
  sub(102, 'past_due', 3000, iso('2026-08-01T00:00:00Z')); // paying (past_due counts); new: first instant of the window
  sub(103, 'canceled', 2000, iso('2026-05-01T00:00:00Z'), t0); // live at t0 (canceled exactly then), churned
  sub(104, 'canceled', 2000, iso('2026-05-01T00:00:00Z'), t0 - 1); // gone before t0: not counted anywhere
  sub(105, 'canceled', 4000, iso('2026-09-15T00:00:00Z'), N - 1); // at t0, churned at the last ms; new
  sub(106, 'canceled', 4000, iso('2026-06-01T00:00:00Z'), N); // at t0; canceled exactly at now: outside [t0, now)
  sub(107, 'canceled', 2000, iso('2026-03-01T00:00:00Z'), iso('2026-11-10T00:00:00Z')); // plan switch...
  sub(107, 'active', 6000, iso('2026-11-10T00:00:00Z')); // ...to this one: not churn
  sub(108, 'active', 2500, iso('2026-11-01T00:00:00Z')); // paying now; starts at the window's end: not new
  sub(109, 'active', 2500, iso('2026-10-31T23:59:59.999Z')); // paying now; new at the window's last ms
  sub(110, 'trialing', 2900, iso('2026-09-01T00:00:00Z')); // not paid
  sub(111, 'active', 0, iso('2026-09-01T00:00:00Z')); // free: not paid
  sub(112, 'incomplete', 2900, iso('2026-09-01T00:00:00Z')); // never paid
  sub(113, 'active', 3500, N + HOUR); // starts after now: not paying yet
  sub(114, 'active', 1000, iso('2026-02-01T00:00:00Z')); // one customer, two subscriptions
  sub(114, 'active', 1500, iso('2026-02-01T00:00:00Z'));
  sub(115, 'canceled', 3000, iso('2026-07-31T23:59:59.999Z'), iso('2026-08-15T00:00:00Z')); // first paid before the window...
  sub(115, 'active', 3000, iso('2026-09-01T00:00:00Z')); // ...so not new
  sub(116, 'active', 4000, t0); // starts exactly at t0: not in the churn base; new
  const spend: SpendRow[] = [
    { channel: 'ads', month: '2026-07-01', spend_cents: 999_999 }, // before the window
    { channel: 'ads', month: '2026-08-01', spend_cents: 100_000 },
    { channel: 'ads', month: '2026-10-01', spend_cents: 200_000 },
    { channel: 'organic', month: '2026-09-01', spend_cents: 0 },
    { channel: 'referral', month: '2026-10-01', spend_cents: 60_000 },
    { channel: 'ads', month: '2026-11-01', spend_cents: 777_777 }, // the current month: excluded
  ];

  beforeAll(async () => {
    t = await createTestDb('kpi-sql-ltv-cac');
    await insertAll(t, { subs, spend });
  });
  afterAll(() => t.drop());

  it('reads the hand-computed inputs', async () => {
    const counts = await computeKpiCounts(t.db, NOW);
    expect(counts.ltvCac).toEqual({
      // 101 5000 + 102 3000 + 107 6000 + 108 2500 + 109 2500 + 114 2500 + 115 3000 + 116 4000
      activeMrrCents: 28_500,
      activeCustomers: 8,
      // 101, 102, 103, 105, 106, 107, 114, 115
      customersAtChurnStart: 8,
      // 103, 105
      churnedCustomers: 2,
      acquisitionSpendCents: 360_000,
      // 102, 105, 109, 116
      newPayingCustomers: 4,
    });
  });

  it('computes LTV:CAC by hand: ARPA 3562.5, churn 0.25, LTV 11400, CAC 90000', async () => {
    const k = byName(await computeKpis(t.db, NOW, { minSample: 8, grossMargin: 0.8 }));
    expect(k.ltv_cac.value).toBeCloseTo(11_400 / 90_000, 12);
    expect(k.ltv_cac).toMatchObject({ sampleSize: 8, status: 'below_target', target: 4 });
    expect(k.ltv_cac.details).toMatchObject({ arpaCents: 3562.5, churn: 0.25, cacCents: 90_000 });
    expect(k.ltv_cac.details.ltvCents).toBeCloseTo(11_400, 8);
    // Churn Wilson(2, 8) = [0.0714792128, 0.5907245697]; ARPA·gm/CAC = 2850/90000.
    expect(k.ltv_cac.interval![0]).toBeCloseTo(2850 / 90_000 / 0.5907245697, 9);
    expect(k.ltv_cac.interval![1]).toBeCloseTo(2850 / 90_000 / 0.0714792128, 9);
    expect(k.ltv_cac.details.cacWindow).toEqual({ start: '2026-08-01T00:00:00.000Z', end: '2026-11-01T00:00:00.000Z' });
  });

  it('is insufficient data one below the minimum sample, and the empty cohorts are too', async () => {
    const k = byName(await computeKpis(t.db, NOW, { minSample: 9, grossMargin: 0.8 }));
    expect(k.ltv_cac).toMatchObject({ value: null, interval: null, status: 'insufficient_data', sampleSize: 8 });
    expect(k.activation_rate).toMatchObject({ value: null, sampleSize: 0, status: 'insufficient_data' });
    expect(k.activation_rate.details.reason).toBe('empty_cohort');
  });
});

// ---- Generated dataset, checked against an independent computation in plain JS. ----

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(seed: number) {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const uniform = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo));
  const cS = N - 37 * DAY;
  const cE = N - 7 * DAY;
  const fS = N - 60 * DAY;
  const fE = N - 30 * DAY;
  const t0 = N - 30 * DAY;
  const cacS = iso('2026-08-01T00:00:00Z');
  const cacE = iso('2026-11-01T00:00:00Z');
  const boundaryCreated = [cS, cE, cS - 1, cE - 1, fS, fE, fS - 1, fE - 1];
  const users: UserRow[] = [];
  const events: EventRow[] = [];
  const subs: SubRow[] = [];
  for (let id = 1; id <= 3000; id++) {
    const r = rnd();
    const created =
      r < 0.1 ? pick(boundaryCreated) : r < 0.65 ? uniform(N - 65 * DAY, N) : uniform(N - 300 * DAY, N - 65 * DAY);
    const activated =
      rnd() < 0.55
        ? created +
          (rnd() < 0.3 ? pick([0, 7 * DAY, 7 * DAY + 1, 30 * DAY, 30 * DAY + 1, -HOUR]) : uniform(0, 40 * DAY))
        : null;
    const deleted = rnd() < 0.05 ? created + DAY : null;
    users.push({
      id,
      email: `g${id}@example.com`,
      created_at: d(created),
      activated_at: activated == null ? null : d(activated),
      deleted_at: deleted == null ? null : d(deleted),
    });
    const nEvents = Math.floor(rnd() * 10);
    for (let i = 0; i < nEvents; i++) {
      const offset =
        rnd() < 0.4
          ? pick([7 * DAY, 8 * DAY, 8 * DAY - 1, 7 * DAY - 1, 30 * DAY, 30 * DAY + 1])
          : uniform(-DAY, 45 * DAY);
      const name = rnd() < 0.2 ? 'onboarding_completed' : pick(['login', 'view', 'click']);
      events.push({ id: events.length + 1, user_id: id, name, occurred_at: d(created + offset) });
    }
    if (rnd() < 0.45) {
      const nSubs = rnd() < 0.7 ? 1 : 2;
      for (let i = 0; i < nSubs; i++) subs.push(generatedSub(subs.length + 1, id, created));
    }
  }
  // Subscriptions of users missing from app.users: the contract has no foreign keys.
  for (let id = 5001; id <= 5300; id++) subs.push(generatedSub(subs.length + 1, id, uniform(N - 300 * DAY, N)));

  function generatedSub(id: number, userId: number, created: number): SubRow {
    const status = pick(['active', 'active', 'past_due', 'canceled', 'canceled', 'trialing', 'incomplete']);
    const mrr = pick([0, 1900, 2900, 2900, 9900]);
    const r = rnd();
    const started =
      r < 0.15
        ? created + pick([30 * DAY, 30 * DAY + 1])
        : r < 0.35
          ? pick([t0, t0 - 1, cacS, cacS - 1, cacE, cacE - 1, N, N - 1])
          : created + uniform(-2 * DAY, 120 * DAY);
    let canceled: number | null = null;
    if (status === 'canceled' && rnd() < 0.8)
      canceled = rnd() < 0.3 ? pick([t0, t0 - 1, N, N - 1]) : started + uniform(DAY, 150 * DAY);
    if (status === 'active' && rnd() < 0.05) canceled = started + uniform(DAY, 100 * DAY);
    return {
      id,
      user_id: userId,
      plan_id: 1,
      status,
      mrr_cents: mrr,
      started_at: d(started),
      canceled_at: canceled == null ? null : d(canceled),
    };
  }

  const spend: SpendRow[] = [];
  for (const channel of ['ads', 'organic', 'referral']) {
    for (let m = 1; m <= 12; m++)
      spend.push({ channel, month: `2026-${String(m).padStart(2, '0')}-01`, spend_cents: uniform(0, 500_000) });
  }
  spend.push(
    { channel: 'partner', month: '2026-07-31', spend_cents: 11_111 },
    { channel: 'partner', month: '2026-10-31', spend_cents: 22_222 },
    { channel: 'partner', month: '2026-11-01', spend_cents: 33_333 },
  );
  return { users, events, subs, spend };
}

/** The KPI definitions of docs/kpis.md computed row by row in plain JS, sharing no code with the SQL path. */
function independentKpis(data: ReturnType<typeof generate>, grossMargin: number) {
  const ms = (x: Date | null) => (x == null ? null : x.getTime());
  const eventsOf = new Map<number, EventRow[]>();
  for (const e of data.events) eventsOf.set(e.user_id, [...(eventsOf.get(e.user_id) ?? []), e]);
  const subsOf = new Map<number, SubRow[]>();
  for (const s of data.subs) subsOf.set(s.user_id, [...(subsOf.get(s.user_id) ?? []), s]);
  const live = data.users.filter((u) => u.deleted_at == null);

  const cohortC = live.filter((u) => ms(u.created_at)! >= N - 37 * DAY && ms(u.created_at)! < N - 7 * DAY);
  const activated = cohortC.filter(
    (u) => u.activated_at != null && ms(u.activated_at)! - ms(u.created_at)! <= 7 * DAY,
  ).length;
  const retained = cohortC.filter((u) => {
    const c = ms(u.created_at)!;
    return (eventsOf.get(u.id) ?? []).some(
      (e) => ms(e.occurred_at)! >= c + 7 * DAY && ms(e.occurred_at)! < c + 8 * DAY && ms(e.occurred_at)! < N,
    );
  }).length;

  const cohortF = live.filter((u) => ms(u.created_at)! >= N - 60 * DAY && ms(u.created_at)! < N - 30 * DAY);
  const flags = cohortF.map((u) => {
    const c = ms(u.created_at)!;
    return {
      onboarded: (eventsOf.get(u.id) ?? []).some(
        (e) => e.name === 'onboarding_completed' && ms(e.occurred_at)! - c <= 30 * DAY,
      ),
      activated: u.activated_at != null && ms(u.activated_at)! - c <= 30 * DAY,
      paid: (subsOf.get(u.id) ?? []).some(
        (s) =>
          s.mrr_cents > 0 && ['active', 'past_due', 'canceled'].includes(s.status) && ms(s.started_at)! - c <= 30 * DAY,
      ),
    };
  });
  const funnel = {
    cohort: cohortF.length,
    onboarded: flags.filter((f) => f.onboarded).length,
    activated: flags.filter((f) => f.activated).length,
    paid: flags.filter((f) => f.paid).length,
    onboardedActivated: flags.filter((f) => f.onboarded && f.activated).length,
    onboardedActivatedPaid: flags.filter((f) => f.onboarded && f.activated && f.paid).length,
  };

  const t0 = N - 30 * DAY;
  const cacS = iso('2026-08-01T00:00:00Z');
  const cacE = iso('2026-11-01T00:00:00Z');
  let activeMrrCents = 0;
  let activeCustomers = 0;
  let customersAtChurnStart = 0;
  let churnedCustomers = 0;
  let newPayingCustomers = 0;
  for (const [, all] of subsOf) {
    const paid = all.filter((s) => s.mrr_cents > 0 && ['active', 'past_due', 'canceled'].includes(s.status));
    if (paid.length === 0) continue;
    const payingNow = paid.filter((s) => (s.status === 'active' || s.status === 'past_due') && ms(s.started_at)! < N);
    const atT0 = paid.some((s) => ms(s.started_at)! < t0 && (s.canceled_at == null || ms(s.canceled_at)! >= t0));
    const canceledInWindow = paid.some(
      (s) => s.canceled_at != null && ms(s.canceled_at)! >= t0 && ms(s.canceled_at)! < N,
    );
    const firstPaid = Math.min(...paid.map((s) => ms(s.started_at)!));
    activeMrrCents += payingNow.reduce((a, s) => a + s.mrr_cents, 0);
    if (payingNow.length > 0) activeCustomers++;
    if (atT0) customersAtChurnStart++;
    if (atT0 && canceledInWindow && payingNow.length === 0) churnedCustomers++;
    if (firstPaid >= cacS && firstPaid < cacE) newPayingCustomers++;
  }
  const acquisitionSpendCents = data.spend
    .filter((s) => s.month >= '2026-08-01' && s.month < '2026-11-01')
    .reduce((a, s) => a + s.spend_cents, 0);
  const arpa = activeMrrCents / activeCustomers;
  const churn = churnedCustomers / customersAtChurnStart;
  const ltv = (arpa * grossMargin) / churn;
  const cac = acquisitionSpendCents / newPayingCustomers;
  return {
    activation: { cohort: cohortC.length, successes: activated },
    d7Retention: { cohort: cohortC.length, successes: retained },
    funnel,
    ltvCac: {
      activeMrrCents,
      activeCustomers,
      customersAtChurnStart,
      churnedCustomers,
      acquisitionSpendCents,
      newPayingCustomers,
    },
    ltvCacValue: ltv / cac,
  };
}

describe('generated dataset (3,000 users) against an independent computation', () => {
  let t: TestDb;
  const data = generate(20261125);
  const expected = independentKpis(data, 0.8);

  beforeAll(async () => {
    t = await createTestDb('kpi-sql-generated');
    await insertAll(t, data);
  });
  afterAll(() => t.drop());

  it('the generated data exercises every KPI', () => {
    expect(expected.activation.cohort).toBeGreaterThan(300);
    expect(expected.funnel.cohort).toBeGreaterThan(300);
    for (const k of [expected.activation, expected.d7Retention]) {
      expect(k.successes).toBeGreaterThan(0);
      expect(k.successes).toBeLessThan(k.cohort);
    }
    expect(expected.funnel.onboardedActivatedPaid).toBeGreaterThan(0);
    expect(expected.ltvCac.churnedCustomers).toBeGreaterThan(0);
    expect(expected.ltvCac.newPayingCustomers).toBeGreaterThan(0);
    expect(Number.isFinite(expected.ltvCacValue)).toBe(true);
  });

  it('raw counts match exactly', async () => {
    const counts = await computeKpiCounts(t.db, NOW);
    expect(counts.activation).toEqual(expected.activation);
    expect(counts.d7Retention).toEqual(expected.d7Retention);
    expect(counts.funnel).toEqual(expected.funnel);
    expect(counts.ltvCac).toEqual(expected.ltvCac);
  });

  it('every KPI value and sample size match exactly', async () => {
    const k = byName(await computeKpis(t.db, NOW, { minSample: 30, grossMargin: 0.8 }));
    expect(k.activation_rate.sampleSize).toBe(expected.activation.cohort);
    expect(k.activation_rate.value).toBe(expected.activation.successes / expected.activation.cohort);
    expect(k.activation_rate.interval).toEqual(
      wilsonInterval(expected.activation.successes, expected.activation.cohort),
    );
    expect(k.d7_retention.sampleSize).toBe(expected.d7Retention.cohort);
    expect(k.d7_retention.value).toBe(expected.d7Retention.successes / expected.d7Retention.cohort);
    expect(k.signup_to_activation.sampleSize).toBe(expected.funnel.cohort);
    expect(k.signup_to_activation.value).toBe(expected.funnel.activated / expected.funnel.cohort);
    expect(k.ltv_cac.sampleSize).toBe(expected.ltvCac.customersAtChurnStart);
    expect(k.ltv_cac.value).toBe(expected.ltvCacValue);
    for (const kpi of Object.values(k)) expect(kpi.status).not.toBe('insufficient_data');
  });
});
