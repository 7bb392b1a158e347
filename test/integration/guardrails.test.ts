// Guardrails on PostgreSQL: planted treated and held-out actions of message types whose windows closed, with
// many more cancellations (a severe metric) among the treated of one type and more unsubscribes (a mild one,
// within its margin) among the treated of another, while a third has the same unsubscribe rate in both arms.
// The learn phase measures them in one statement, stores a result per (type, metric), raises a finding per
// breach, demotes the type with the major breach on the autonomy ladder (named in the ladder's decision),
// marks the minor one 'pause' for the campaign rollouts, and leaves the null difference unacted on.
// Dry-run actions and actions whose window is still open are not counted; the next look counts a second look
// and its always-valid p-value never rises; a changed definition starts a new stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { learn } from '../../activities/learn';
import { guardrailCounts } from '../../db/queries/guardrails';
import { listAutonomyLevels } from '../../db/repos/autonomy-levels';
import { setPolicy } from '../../db/repos/config';
import { guardrailActionsByType, listGuardrailResults } from '../../db/repos/guardrail-results';
import type { ActionType } from '../../engine/types';
import { createTestDb, type TestDb } from '../helpers/db';

const NOW = new Date('2026-12-03T12:00:00.000Z');
const DAY = 86_400_000;
const HOUR = 3_600_000;
const SENT = new Date(NOW.getTime() - 15 * DAY); // every 7- and 14-day window has closed by NOW
let t: TestDb;
let cycles = 0;

async function cycle(at: Date, dryRun = false): Promise<string> {
  const id = `gr-${++cycles}`;
  await t.db('engine.cycles').insert({
    id,
    kind: 'cycle',
    trigger: 'api',
    requested_by: 'test',
    dry_run: dryRun,
    phases: ['learn'],
    logical_now: at,
  });
  return id;
}

async function learnIn(id: string) {
  const row = await t.db('engine.cycles').where({ id }).first();
  return learn(
    { db: t.db },
    { cycleId: id, kind: 'cycle', dryRun: row.dry_run, now: new Date(row.logical_now).toISOString() },
  );
}

/** Users [from, from + n) and one action each of `type` with `status`, executed at `at`, set-based. */
async function seed(
  type: ActionType,
  status: 'executed' | 'holdout',
  from: number,
  n: number,
  opts: { at?: Date; dryRun?: boolean } = {},
) {
  const id = await cycle(NOW);
  const at = opts.at ?? SENT;
  await t.db.raw(
    `INSERT INTO app.users (id, email, created_at)
     SELECT g, 'u' || g || '@example.com', ?::timestamptz - interval '90 days' FROM generate_series(?::int, ?::int) g
     ON CONFLICT (id) DO NOTHING`,
    [at, from, from + n - 1],
  );
  await t.db.raw(
    `INSERT INTO engine.actions (id, cycle_id, phase, type, target_type, target_id, params, detection_confidence,
                                 confidence, mode, status, dry_run, executed_at)
     SELECT ? || ':' || g, ?, 'optimize', ?, 'user', g::text, '{}'::jsonb, 1, 0.9, 'auto', ?, ?, ?
       FROM generate_series(?::int, ?::int) g`,
    [`${id}:${type}`, id, type, status, opts.dryRun ?? false, at, from, from + n - 1],
  );
}

/** Users [from, from + n) cancel a paid subscription `afterDays` after SENT. */
async function cancellations(from: number, n: number, afterDays = 3) {
  await t.db.raw(
    `INSERT INTO app.subscriptions (id, user_id, plan_id, status, mrr_cents, started_at, canceled_at)
     SELECT g, g, 1, 'canceled', 2900, ?::timestamptz - interval '60 days', ?::timestamptz
       FROM generate_series(?::int, ?::int) g`,
    [SENT, new Date(SENT.getTime() + afterDays * DAY), from, from + n - 1],
  );
}

/** Users [from, from + n) unsubscribe (one-click) `afterDays` after SENT. */
async function unsubscribes(from: number, n: number, reason = 'unsubscribe') {
  await t.db.raw(
    `INSERT INTO engine.suppressions (address, user_id, reason, source, created_at)
     SELECT 'u' || g || '@example.com', g, ?, 'test', ?::timestamptz FROM generate_series(?::int, ?::int) g`,
    [reason, new Date(SENT.getTime() + 2 * DAY), from, from + n - 1],
  );
}

const levelOf = async (type: string) => (await listAutonomyLevels(t.db)).find((l) => l.actionType === type)!.level;

beforeAll(async () => {
  t = await createTestDb('guardrails');
  // A 20% holdout, as planted below: the sample-ratio check stays healthy and only the guardrails speak.
  await setPolicy(t.db, 'holdout', { default: 0.2 }, 'test', 'the planted split');

  // retention_campaign: 800 treated (10% cancel in the window), 200 held out (0.5% cancel).
  await seed('retention_campaign', 'executed', 1, 800);
  await seed('retention_campaign', 'holdout', 801, 200);
  await cancellations(1, 80);
  await cancellations(801, 1);
  // Not counted: live treated whose window is still open, and dry-run "treated" — both all cancelling.
  await seed('retention_campaign', 'executed', 1001, 100, { at: new Date(NOW.getTime() - 2 * DAY) });
  await seed('retention_campaign', 'executed', 1101, 100, { dryRun: true });
  await cancellations(1001, 200, 1);

  // upgrade_offer: 4,000 treated (5.5% unsubscribe), 1,000 held out (2%): credible, but within the 2% margin.
  await seed('upgrade_offer', 'executed', 10001, 4000);
  await seed('upgrade_offer', 'holdout', 14001, 1000);
  await unsubscribes(10001, 220);
  await unsubscribes(14001, 20);

  // onboarding_nudge: the same 5% unsubscribe rate in both arms.
  await seed('onboarding_nudge', 'executed', 20001, 800);
  await seed('onboarding_nudge', 'holdout', 20801, 200);
  await unsubscribes(20001, 40);
  await unsubscribes(20801, 10);
});
afterAll(() => t?.drop());

describe('guardrail measurement', () => {
  it('counts, in one statement, live actions with a closed window per arm and the users and events in each window', async () => {
    const c = await guardrailCounts(t.db, NOW);
    expect(c.get('retention_campaign')!.get('churn')).toEqual({
      treated: { actions: 800, users: 800, affected: 80, events: 80 },
      holdout: { actions: 200, users: 200, affected: 1, events: 1 },
    });
    expect(c.get('upgrade_offer')!.get('unsubscribe')!.treated).toMatchObject({ actions: 4000, affected: 220 });
    expect(c.get('upgrade_offer')!.get('complaint')!.treated).toMatchObject({ actions: 4000, affected: 0 });
    // Before a window closes its action is not counted at all.
    const early = await guardrailCounts(t.db, new Date(SENT.getTime() + 6 * DAY));
    expect(early.get('retention_campaign')!.get('churn')!.treated.actions).toBe(0);
  });
});

describe('guardrails in the learn phase', () => {
  let first: string;

  it('a major breach (churn) is recorded, raised as a finding and demotes the type, named in the ladder decision', async () => {
    first = await cycle(NOW);
    const summary = await learnIn(first);
    expect(summary.counts.guardrailBreaches).toBe(2);

    const results = await listGuardrailResults(t.db);
    const churn = results.find((r) => r.type === 'retention_campaign' && r.metric === 'churn')!;
    expect(churn).toMatchObject({ verdict: 'breach_major', action: 'cancel_and_demote', looks: 1, cycleId: first });
    expect(churn.treated).toMatchObject({ actions: 800, affected: 80, rate: 0.1 });
    expect(churn.holdout).toMatchObject({ actions: 200, affected: 1, rate: 0.005 });
    expect(churn.pValue).toBeLessThan(0.01);
    expect(churn.interval![0]).toBeGreaterThan(0);

    const finding = await t.db('engine.findings').where({ fingerprint: 'guardrail:retention_campaign:churn' }).first();
    expect(finding).toMatchObject({ detector: 'guardrail', kind: 'breach_major', severity: 'high', status: 'open' });
    expect(finding.evidence).toMatchObject({
      actionType: 'retention_campaign',
      metric: 'churn',
      verdict: 'breach_major',
    });

    expect(await levelOf('retention_campaign')).toBe('approval');
    const decision = await t.db('engine.decisions').where({ cycle_id: first, kind: 'autonomy_ladder' }).first();
    expect(decision.title).toMatch(/retention_campaign auto → approval/);
    expect(decision.title).toMatch(/guardrail breached in retention_campaign: campaigns cancelled, type demoted/);
    expect(decision.rationale).toMatch(/demoted auto → approval: guardrail breached: churn: credible harm/);
  });

  it('a minor breach (unsubscribes within the margin) marks the type paused without demoting it', async () => {
    const r = (await listGuardrailResults(t.db)).find((x) => x.type === 'upgrade_offer' && x.metric === 'unsubscribe')!;
    expect(r).toMatchObject({ verdict: 'breach_minor', action: 'pause', severity: 'minor', margin: 0.02 });
    expect(r.interval![0]).toBeLessThan(0.02);
    expect(await levelOf('upgrade_offer')).toBe('auto');
    const f = await t.db('engine.findings').where({ fingerprint: 'guardrail:upgrade_offer:unsubscribe' }).first();
    expect(f).toMatchObject({ kind: 'breach_minor', severity: 'medium', status: 'open' });

    const actions = await guardrailActionsByType(t.db);
    expect([...actions.keys()].sort()).toEqual(['retention_campaign', 'upgrade_offer']);
    expect(actions.get('upgrade_offer')).toMatchObject({
      action: 'pause',
      reason: expect.stringMatching(/^unsubscribe:/),
    });
    expect(actions.get('retention_campaign')).toMatchObject({ action: 'cancel_and_demote' });
  });

  it('a null difference is neither a breach nor a finding, and the type keeps its level', async () => {
    const nudge = (await listGuardrailResults(t.db)).filter((x) => x.type === 'onboarding_nudge');
    expect(nudge.map((x) => x.metric).sort()).toEqual(['churn', 'complaint', 'unsubscribe']);
    for (const x of nudge) expect(['ok', 'inconclusive']).toContain(x.verdict);
    expect(nudge.find((x) => x.metric === 'unsubscribe')!.treated.rate).toBe(0.05);
    expect(await t.db('engine.findings').where('fingerprint', 'like', 'guardrail:onboarding_nudge:%')).toEqual([]);
    expect(await levelOf('onboarding_nudge')).toBe('auto');
  });

  it('a retried learn of the same cycle counts no second look; the next cycle does, and its p never rises', async () => {
    const before = await listGuardrailResults(t.db);
    await learnIn(first);
    const retried = await listGuardrailResults(t.db);
    expect(retried.map((r) => [r.type, r.metric, r.looks, r.pValue])).toEqual(
      before.map((r) => [r.type, r.metric, r.looks, r.pValue]),
    );
    const next = await cycle(new Date(NOW.getTime() + HOUR));
    await learnIn(next);
    const after = await listGuardrailResults(t.db);
    for (const r of after) {
      const b = before.find((x) => x.type === r.type && x.metric === r.metric)!;
      expect(r.looks).toBe(2);
      expect(r.pValue).toBeLessThanOrEqual(b.pValue);
    }
    // The breach holds, so the type steps down once more, as on any breach.
    expect(await levelOf('retention_campaign')).toBe('shadow');
  });

  it('a changed definition starts a new stream: earlier actions no longer count, the breach and its finding clear', async () => {
    // As if the stored results were of an older definition of retention_campaign (a new message since).
    await t
      .db('engine.guardrail_results')
      .where({ action_type: 'retention_campaign' })
      .update({ definition_version: 0 });
    const at = new Date(NOW.getTime() + 2 * HOUR);
    const id = await cycle(at);
    await learnIn(id);
    const churn = (await listGuardrailResults(t.db)).find(
      (r) => r.type === 'retention_campaign' && r.metric === 'churn',
    )!;
    expect(churn).toMatchObject({
      verdict: 'inconclusive',
      action: null,
      looks: 1,
      pValue: 1,
      since: at.toISOString(),
    });
    expect(churn.treated.actions).toBe(0);
    const f = await t.db('engine.findings').where({ fingerprint: 'guardrail:retention_campaign:churn' }).first();
    expect(f).toMatchObject({ status: 'resolved', resolved_cycle_id: id });
    expect((await guardrailActionsByType(t.db)).has('retention_campaign')).toBe(false);
    // The other types' streams go on.
    const unsub = (await listGuardrailResults(t.db)).find(
      (r) => r.type === 'upgrade_offer' && r.metric === 'unsubscribe',
    )!;
    expect(unsub).toMatchObject({ verdict: 'breach_minor', looks: 3, since: null });
  });
});
