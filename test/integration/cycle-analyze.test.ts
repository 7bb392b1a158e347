// The first vertical slice on the real dev server and a real PostgreSQL: a dry-run cycle's analyze
// phase computes the four KPIs, and each equals an independent SQL computation on seeded data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../scripts/seed/generate';
import type { SeedManifest } from '../../scripts/seed/manifest';
import {
  SA_CYCLE_KIND,
  SA_DRY_RUN,
  SA_HEALTH_SCORE,
  progressQuery,
  type CycleInput,
} from '../../workflows/definitions';
import { autonomousCycle } from '../../workflows';
import { createTestDb, type TestDb } from '../helpers/db';
import { startTestWorker, type TestWorker } from '../helpers/temporal';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const DAY = 86_400_000;
const at = (msBefore: number) => new Date(NOW.getTime() - msBefore);

let t: TestDb;
let w: TestWorker;
let manifest: SeedManifest;

beforeAll(async () => {
  t = await createTestDb('cycle-analyze');
  manifest = await seedDemoData(t.db, { users: 4000, seed: 7, now: NOW });
  w = await startTestWorker(t.db, { label: 'analyze' });
});
afterAll(async () => {
  await w?.shutdown();
  await t?.drop();
});

/** Independent formulations of docs/kpis.md (joins and intervals rather than the engine's EXISTS probes). */
async function independentRates() {
  const q = async (sql: string, b: unknown[]) =>
    ((await t.db.raw(sql, b as never[])) as { rows: Array<{ n: number; k: number }> }).rows[0]!;
  const activation = await q(
    `select count(*)::int as n,
            count(*) filter (where activated_at is not null and activated_at <= created_at + interval '7 days')::int as k
       from app.users where deleted_at is null and created_at >= ? and created_at < ?`,
    [at(37 * DAY), at(7 * DAY)],
  );
  const d7 = await q(
    `select count(distinct u.id)::int as n,
            count(distinct e.user_id)::int as k
       from app.users u
       left join app.events e
         on e.user_id = u.id and e.occurred_at >= u.created_at + interval '7 days'
        and e.occurred_at < u.created_at + interval '8 days' and e.occurred_at < ?
      where u.deleted_at is null and u.created_at >= ? and u.created_at < ?`,
    [NOW, at(37 * DAY), at(7 * DAY)],
  );
  const funnel = await q(
    `select count(*)::int as n,
            sum(case when activated_at is not null and activated_at - created_at <= interval '30 days' then 1 else 0 end)::int as k
       from app.users where deleted_at is null and created_at >= ? and created_at < ?`,
    [at(60 * DAY), at(30 * DAY)],
  );
  return { activation, d7, funnel };
}

describe('autonomousCycle analyze phase (dry run)', () => {
  let cycleId: string;
  let result: Awaited<ReturnType<typeof autonomousCycle>>;

  beforeAll(async () => {
    cycleId = `test-cycle-analyze-${Date.now()}`;
    result = await w.client.workflow.execute(autonomousCycle, {
      workflowId: cycleId,
      taskQueue: w.taskQueue,
      args: [{ dryRun: true, trigger: 'api', requestedBy: 'test', phases: ['analyze'], now: NOW.toISOString() }],
    });
  });

  it('completes and records the cycle', async () => {
    expect(result).toMatchObject({ cycleId, kind: 'cycle', dryRun: true });
    expect(result.phases).toEqual([expect.objectContaining({ name: 'analyze', status: 'completed' })]);
    const row = await t.db('engine.cycles').where({ id: cycleId }).first();
    expect(row).toMatchObject({ status: 'completed', dry_run: true, kind: 'cycle', trigger: 'api' });
    expect(new Date(row.logical_now).toISOString()).toBe(NOW.toISOString());
    expect(row.health_score).toBe(result.healthScore);
    const phases = await t.db('engine.cycle_phases').where({ cycle_id: cycleId });
    expect(phases).toEqual([expect.objectContaining({ name: 'analyze', status: 'completed' })]);
  });

  it('computes every KPI exactly as an independent SQL computation does', async () => {
    const snaps: Array<Record<string, any>> = await t
      .db('engine.kpi_snapshots')
      .where({ cycle_id: cycleId })
      .orderBy('name');
    expect(snaps.map((s) => s.name)).toEqual(['activation_rate', 'd7_retention', 'ltv_cac', 'signup_to_activation']);
    const by: Record<string, any> = Object.fromEntries(snaps.map((s) => [s.name, s]));
    const ind = await independentRates();
    for (const [name, r] of [
      ['activation_rate', ind.activation],
      ['d7_retention', ind.d7],
      ['signup_to_activation', ind.funnel],
    ] as const) {
      expect(by[name].sample_size, name).toBe(r.n);
      expect(r.n, `${name} cohort is big enough to be meaningful`).toBeGreaterThan(300);
      expect(by[name].value, name).toBeCloseTo(r.k / r.n, 12);
      expect(by[name].interval_low).toBeLessThan(by[name].value);
      expect(by[name].interval_high).toBeGreaterThan(by[name].value);
      expect(by[name].status).toBe(r.k / r.n < by[name].target ? 'below_target' : 'ok');
    }
    expect(by.activation_rate.target).toBe(0.4);
    expect(by.d7_retention.target).toBe(0.25);
    expect(by.signup_to_activation.target).toBe(0.4);
    expect(by.ltv_cac.target).toBe(4);
  });

  it('computes LTV:CAC from independently computed ARPA, churn and CAC', async () => {
    const q = async (sql: string, b: unknown[]) =>
      ((await t.db.raw(sql, b as never[])) as { rows: Array<Record<string, any>> }).rows[0]!;
    const arpa = await q(
      `select sum(mrr_cents)::float8 as mrr, count(distinct user_id)::int as customers from app.subscriptions
        where mrr_cents > 0 and status in ('active','past_due') and started_at < ?`,
      [NOW],
    );
    const churnStart = at(30 * DAY);
    const churn = await q(
      `with paying_then as (
         select distinct user_id from app.subscriptions
          where mrr_cents > 0 and status in ('active','past_due','canceled') and started_at < ?
            and (canceled_at is null or canceled_at >= ?)),
       paying_now as (
         select distinct user_id from app.subscriptions where mrr_cents > 0 and status in ('active','past_due') and started_at < ?),
       canceled_recently as (
         select distinct user_id from app.subscriptions where canceled_at >= ? and canceled_at < ?)
       select (select count(*) from paying_then)::int as base,
              (select count(*) from paying_then p join canceled_recently c using (user_id)
                where p.user_id not in (select user_id from paying_now))::int as lost`,
      [churnStart, churnStart, NOW, churnStart, NOW],
    );
    const monthStart = new Date(Date.UTC(NOW.getUTCFullYear(), NOW.getUTCMonth(), 1));
    const cacStart = new Date(Date.UTC(NOW.getUTCFullYear(), NOW.getUTCMonth() - 3, 1));
    const cac = await q(
      `select (select coalesce(sum(spend_cents), 0) from app.acquisition_spend where month >= ?::date and month < ?::date)::float8 as spend,
              (select count(*) from (
                 select user_id, min(started_at) as first_paid from app.subscriptions
                  where mrr_cents > 0 and status in ('active','past_due','canceled') group by user_id) f
                where first_paid >= ? and first_paid < ?)::int as newcust`,
      [cacStart, monthStart, cacStart, monthStart],
    );
    const snap = await t.db('engine.kpi_snapshots').where({ cycle_id: cycleId, name: 'ltv_cac' }).first();
    expect(snap.sample_size).toBe(churn.base);
    expect(churn.lost).toBeGreaterThan(0);
    expect(cac.newcust).toBeGreaterThan(0);
    const ltv = ((arpa.mrr / arpa.customers) * 0.8) / (churn.lost / churn.base);
    const expected = ltv / (cac.spend / cac.newcust);
    expect(snap.value).toBeCloseTo(expected, 9);
  });

  it('records a finding with the exact count of every problem the generator planted', async () => {
    const rows: Array<{ fingerprint: string; evidence: { count: number } }> = await t
      .db('engine.cycle_findings as cf')
      .join('engine.findings as f', 'f.id', 'cf.finding_id')
      .where('cf.cycle_id', cycleId)
      .select('f.fingerprint', 'cf.evidence');
    const count = (fp: string) => rows.find((f) => f.fingerprint === fp)?.evidence.count;
    const p = manifest.planted;
    expect({
      orphans: count('orphaned_records:active_subscription_without_user'),
      nullEmails: count('data_quality:null_email'),
      malformed: count('data_quality:malformed_email'),
      unnormalized: count('data_quality:unnormalized_email'),
      future: count('data_quality:future_event_timestamps'),
      missingPlan: count('data_quality:subscription_missing_plan'),
      negative: count('data_quality:negative_payment_amounts'),
      retryable: count('billing:retryable_failed_payments'),
      hard: count('billing:hard_declines'),
      exhausted: count('billing:soft_declines_exhausted'),
      stuck: count('system_health:stuck_payments'),
    }).toEqual({
      orphans: p.orphanedActiveSubscriptions,
      nullEmails: p.nullEmails,
      malformed: p.malformedEmails,
      unnormalized: p.unnormalizedEmails,
      future: p.futureEvents,
      missingPlan: p.subscriptionsMissingPlan,
      negative: p.negativeAmounts,
      retryable: p.retryableFailedPayments,
      hard: p.hardDeclines,
      exhausted: p.softDeclinesExhausted,
      stuck: p.stuckPayments,
    });
    const open = await t.db('engine.findings').where({ status: 'open' }).select('severity');
    const weights: Record<string, number> = { critical: 25, high: 10, medium: 4, low: 1, info: 0 };
    const expectedHealth = Math.max(
      0,
      100 - open.reduce((s: number, f: { severity: string }) => s + weights[f.severity]!, 0),
    );
    expect(result.healthScore).toBe(expectedHealth);
  });

  it('sets search attributes and answers the progress query', async () => {
    const handle = w.client.workflow.getHandle(cycleId);
    const desc = await handle.describe();
    expect(desc.typedSearchAttributes.get(SA_CYCLE_KIND)).toBe('cycle');
    expect(desc.typedSearchAttributes.get(SA_DRY_RUN)).toBe(true);
    expect(desc.typedSearchAttributes.get(SA_HEALTH_SCORE)).toBe(result.healthScore);
    const progress = await handle.query(progressQuery);
    expect(progress).toMatchObject({ cycleId, currentPhase: null, dryRun: true });
    expect(progress.phases[0]).toMatchObject({ name: 'analyze', status: 'completed' });
  });

  it('rejects invalid input as a non-retryable workflow failure', async () => {
    await expect(
      w.client.workflow.execute(autonomousCycle, {
        workflowId: `${cycleId}-bad`,
        taskQueue: w.taskQueue,
        // Deliberately malformed, as a CLI start could send it.
        args: [{ dryRun: 'no', phases: ['explode'] } as unknown as CycleInput],
      }),
    ).rejects.toThrow(/Workflow execution failed/);
    const desc = await w.client.workflow.getHandle(`${cycleId}-bad`).describe();
    expect(desc.status.name).toBe('FAILED');
    expect(
      await t
        .db('engine.cycles')
        .where({ id: `${cycleId}-bad` })
        .first(),
    ).toBeUndefined();
  });
});

describe('the event rollups in the analyze phase', () => {
  const analyzeOnly = (workflowId: string, extra: Partial<CycleInput> = {}) =>
    w.client.workflow.execute(autonomousCycle, {
      workflowId,
      taskQueue: w.taskQueue,
      args: [
        { dryRun: true, trigger: 'api', requestedBy: 'test', phases: ['analyze'], now: NOW.toISOString(), ...extra },
      ],
    });
  const d7Snapshot = async (cycleId: string) =>
    (await t.db('engine.kpi_snapshots').where({ cycle_id: cycleId, name: 'd7_retention' }).first()).value as number;

  it('a full cycle rebuilds them, and picks up an event older than the lateness horizon that a refresh misses', async () => {
    // A cohort user without a D7 return gets one, arriving 12 days late: older than the 72 h horizon.
    const { rows } = (await t.db.raw(
      `select u.id, u.created_at from app.users u
        where u.deleted_at is null and u.created_at >= ? and u.created_at < ?
          and not exists (select 1 from app.events e where e.user_id = u.id
                           and e.occurred_at >= u.created_at + interval '7 days' and e.occurred_at < u.created_at + interval '8 days')
        order by u.id limit 1`,
      [at(20 * DAY), at(19 * DAY)],
    )) as { rows: Array<{ id: string; created_at: Date }> };
    const user = rows[0]!;
    await t.db('app.events').insert({
      id: 900_000_001,
      user_id: user.id,
      name: 'session_started',
      occurred_at: new Date(user.created_at.getTime() + 7 * DAY + 3_600_000),
    });
    const truth = (await independentRates()).d7;

    const refreshed = `test-cycle-rollups-refresh-${Date.now()}`;
    await analyzeOnly(refreshed);
    expect(await d7Snapshot(refreshed)).toBeCloseTo((truth.k - 1) / truth.n, 12);

    expect((await t.db('engine.event_rollup_state').first()).last_run).toMatchObject({ kind: 'refresh' });
    const rebuilt = `test-cycle-rollups-full-${Date.now()}`;
    await analyzeOnly(rebuilt, { full: true });
    expect(await d7Snapshot(rebuilt)).toBeCloseTo(truth.k / truth.n, 12);
    const state = await t.db('engine.event_rollup_state').first();
    expect(state.last_run).toMatchObject({ kind: 'rebuild' });
    const phase = await t.db('engine.cycle_phases').where({ cycle_id: rebuilt, name: 'analyze' }).first();
    expect(phase.counts.rollupUsersFolded).toBeGreaterThan(1000);
  });
});
