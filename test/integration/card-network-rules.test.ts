// The card-network rules on real PostgreSQL: the payment-retry planning (queryRetryablePayments →
// planPaymentRetries → processPlans, live, through the sandbox gateway) over four days of cycles every 4 hours
// on cards shared by several payments. Retries a rule stops are blocked with the rule's name in the action,
// its gate decision and the audit log; no card ever exceeds a cap in any window, the platform's own retries
// included. Also: a cap filled between planning and execution blocks at execution; the advice a declined
// retry returns (Stripe, through stripe-mock's recording proxy) blocks the next cycle; a platform without the
// optional card columns still gets caps, per subscription.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeAction } from '../../activities/effects/executor';
import { createOutboxMessenger } from '../../activities/effects/outbox-messenger';
import { processPlans, type EffectDeps } from '../../activities/effects/pipeline';
import type { PaymentGateway } from '../../activities/effects/ports';
import { createSandboxPaymentGateway } from '../../activities/effects/sandbox-payment-gateway';
import { createStripePaymentGateway } from '../../activities/effects/stripe-payment-gateway';
import type { Db } from '../../db/knex';
import { queryRetryablePayments } from '../../db/queries/targets';
import { setPolicy } from '../../db/repos/config';
import { planPaymentRetries } from '../../engine/planning/heal';
import { createTestDb, type TestDb } from '../helpers/db';
import { startRecordingProxy, stripeMockUrl, type RecordingProxy } from '../helpers/local-servers';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = new Date('2026-11-02T00:00:00.000Z');
const MAX_ATTEMPTS = 20;

const dbs: TestDb[] = [];
afterAll(async () => {
  for (const t of dbs) await t.drop();
});

async function freshDb(label: string): Promise<Db> {
  const t = await createTestDb(label);
  dbs.push(t);
  const db = t.db;
  await setPolicy(db, 'holdout', { default: 0 }, 'test', 'every admitted retry runs: the caps are under test');
  await setPolicy(db, 'payment_retry', { maxAttempts: MAX_ATTEMPTS }, 'test', 'attempts are not the limit here');
  // Beta(60, 1): the confidence gate passes, so only policy gates (the card rules) can stop a retry.
  await db('engine.action_stats')
    .insert({ action_type: 'retry_payment', alpha: 60, beta: 1, successes: 59, failures: 0 })
    .onConflict('action_type')
    .merge();
  return db;
}

interface PaymentSpec {
  id: number;
  subscriptionId: number;
  brand?: string | null;
  pm?: string | null;
  advice?: string | null;
  attemptCount?: number;
  attemptedAt?: Date;
  providerRef?: string;
}

async function payments(db: Db, specs: PaymentSpec[], withCardColumns = true): Promise<void> {
  for (const sub of new Set(specs.map((s) => s.subscriptionId))) {
    await db('app.users').insert({
      id: sub,
      email: `u${sub}@example.com`,
      created_at: new Date(START.getTime() - 90 * DAY),
    });
    await db('app.subscriptions').insert({
      id: sub,
      user_id: sub,
      plan_id: 2,
      status: 'past_due',
      mrr_cents: 1900,
      started_at: new Date(START.getTime() - 80 * DAY),
    });
  }
  await db('app.payments').insert(
    specs.map((s) => ({
      id: s.id,
      subscription_id: s.subscriptionId,
      amount_cents: 1900,
      status: 'failed',
      // The sandbox declines generic_decline on every retry: the payments stay failed, the caps decide.
      failure_code: 'generic_decline',
      attempted_at: s.attemptedAt ?? new Date(START.getTime() - 2 * DAY),
      attempt_count: s.attemptCount ?? 1,
      next_retry_at: null,
      provider_ref: s.providerRef ?? null,
      ...(withCardColumns
        ? { card_brand: s.brand ?? null, payment_method_ref: s.pm ?? null, advice_code: s.advice ?? null }
        : {}),
    })),
  );
}

/** One heal cycle's payment retries at `now`, live; returns the cycle id. */
async function cycle(db: Db, now: Date, gateway: (clock: () => Date) => PaymentGateway, execute = true) {
  const cycleId = `cards-${now.toISOString()}`;
  await db('engine.cycles').insert({
    id: cycleId,
    kind: 'cycle',
    trigger: 'api',
    requested_by: 'test',
    dry_run: false,
    phases: ['heal'],
    logical_now: now,
  });
  const clock = () => now;
  const deps: EffectDeps = { db, payments: gateway(clock), messenger: createOutboxMessenger(db, clock), now: clock };
  const rows = await queryRetryablePayments(db, now, { limit: 500, maxAttempts: MAX_ATTEMPTS });
  const plans = planPaymentRetries({
    now,
    findings: [],
    targets: { retryablePayments: rows },
    policy: { maxAttempts: MAX_ATTEMPTS },
  });
  await processPlans(deps, { cycleId, phase: 'heal', dryRun: false, now, plans, execute });
  return { cycleId, deps };
}

const sandbox = (db: Db) => (clock: () => Date) => createSandboxPaymentGateway(db, clock);

interface ActionRow {
  id: string;
  cycle_id: string;
  target_id: string;
  status: string;
  status_reason: string | null;
  params: Record<string, unknown>;
}

describe('payment-retry planning over four days of cycles', () => {
  let db: Db;
  const CARD_OF: Record<string, { brand: string; caps: Array<{ ms: number; max: number }> }> = {
    pm_mc: {
      brand: 'mastercard',
      caps: [
        { ms: DAY, max: 10 },
        { ms: 30 * DAY, max: 35 },
      ],
    },
    pm_visa: { brand: 'visa', caps: [{ ms: 30 * DAY, max: 15 }] },
    pm_visa_busy: { brand: 'visa', caps: [{ ms: 30 * DAY, max: 15 }] },
    'sub:300': {
      brand: 'amex',
      caps: [
        { ms: DAY, max: 10 },
        { ms: 30 * DAY, max: 15 },
      ],
    },
  };

  beforeAll(async () => {
    db = await freshDb('card_rules_cycles');
    const specs: PaymentSpec[] = [
      // One Mastercard shared by 14 payments of two subscriptions.
      ...Array.from({ length: 14 }, (_, i) => ({
        id: 1 + i,
        subscriptionId: 100 + (i % 2),
        brand: 'mastercard',
        pm: 'pm_mc',
      })),
      // One Visa shared by 6 payments.
      ...Array.from({ length: 6 }, (_, i) => ({ id: 20 + i, subscriptionId: 200, brand: 'visa', pm: 'pm_visa' })),
      // A Visa the platform already retried 15 times on its own (attempt 16, last 2 days ago).
      { id: 30, subscriptionId: 210, brand: 'visa', pm: 'pm_visa_busy', attemptCount: 16 },
      // An Amex whose payment method is unknown: counted per subscription.
      ...Array.from({ length: 3 }, (_, i) => ({ id: 40 + i, subscriptionId: 300, brand: 'amex', pm: null })),
      // Network advice: Mastercard MAC 03 and 21, a Visa Category 1 response code.
      { id: 50, subscriptionId: 400, brand: 'mastercard', pm: 'pm_mc_closed', advice: '03' },
      { id: 51, subscriptionId: 401, brand: 'mastercard', pm: 'pm_mc_cancelled', advice: '21' },
      { id: 52, subscriptionId: 402, brand: 'visa', pm: 'pm_visa_stolen', advice: '14' },
    ];
    await payments(db, specs);
    for (let k = 0; k < 24; k++) {
      // The platform's dunning keeps every failed payment due: the card rules, not the backoff, are the limit.
      await db('app.payments').where({ status: 'failed' }).update({ next_retry_at: null });
      await cycle(db, new Date(START.getTime() + k * 4 * HOUR), sandbox(db));
    }
  }, 240_000);

  it('executes retries and blocks the rest with the name of the rule, in the action, the gate decision and the audit', async () => {
    const actions: ActionRow[] = await db('engine.actions').where({ type: 'retry_payment' });
    const executed = actions.filter((a) => a.status === 'executed');
    const blocked = actions.filter((a) => a.status === 'blocked');
    expect(executed.length).toBeGreaterThan(40);
    expect(actions.every((a) => a.status === 'executed' || a.status === 'blocked')).toBe(true);
    const ruleOf = (a: ActionRow) => a.status_reason!.split(':')[0]!;
    const byRule = new Map<string, Set<string>>();
    for (const a of blocked) byRule.set(ruleOf(a), (byRule.get(ruleOf(a)) ?? new Set()).add(a.target_id));
    expect([...byRule.keys()].sort()).toEqual([
      'mastercard_24h_cap',
      'mastercard_30d_cap',
      'network_advice_do_not_retry',
      'other_24h_cap',
      'other_30d_cap',
      'visa_30d_cap',
      'visa_do_not_retry_category',
    ]);
    expect([...byRule.get('network_advice_do_not_retry')!].sort()).toEqual(['50', '51']);
    expect([...byRule.get('visa_do_not_retry_category')!]).toEqual(['52']);
    // The advice is final: those three were never retried in any cycle.
    expect(executed.filter((a) => ['50', '51', '52'].includes(a.target_id))).toEqual([]);
    // The Visa the platform had already retried 15 times is never retried by the engine.
    expect(executed.filter((a) => a.target_id === '30')).toEqual([]);
    expect(blocked.filter((a) => a.target_id === '30').every((a) => ruleOf(a) === 'visa_30d_cap')).toBe(true);

    const sample = blocked.find((a) => ruleOf(a) === 'mastercard_24h_cap')!;
    expect(sample.status_reason).toBe(
      'mastercard_24h_cap: mastercard allows 10 retries of one card in 24 hours; this card had 10',
    );
    const gate = await db('engine.gate_decisions').where({ action_id: sample.id, gate: 'card_network' }).first();
    expect(gate).toMatchObject({ passed: false, reason: sample.status_reason });
    expect(gate.details).toMatchObject({ rule: 'mastercard_24h_cap', network: 'mastercard', card: 'pm_mc' });
    const audit = await db('engine.audit_log').where({ event: 'gate.decision', target: sample.id }).first();
    expect(audit.after).toMatchObject({ status: 'blocked', reason: sample.status_reason });
  });

  it('never lets a card exceed a cap in any window, counting the platform’s own retries', async () => {
    const effects: Array<{ created_at: Date; payment_id: string }> = await db('engine.effects')
      .where({ action_type: 'retry_payment' })
      .select('created_at', db.raw(`request->>'paymentId' as payment_id`));
    const cardOf = new Map<number, string>(
      (await db('app.payments').select('id', 'payment_method_ref', 'subscription_id')).map(
        (p: { id: number; payment_method_ref: string | null; subscription_id: number }) => [
          Number(p.id),
          p.payment_method_ref ?? `sub:${p.subscription_id}`,
        ],
      ),
    );
    const times = new Map<string, number[]>();
    for (const e of effects) {
      const card = cardOf.get(Number(e.payment_id))!;
      times.set(card, [...(times.get(card) ?? []), new Date(e.created_at).getTime()]);
    }
    // The platform's 15 retries of pm_visa_busy, at their latest possible time (the last attempt).
    const busy = Array.from({ length: 15 }, () => START.getTime() - 2 * DAY);
    times.set('pm_visa_busy', [...busy, ...(times.get('pm_visa_busy') ?? [])]);
    const reached: string[] = [];
    for (const [card, ts] of times) {
      for (const w of CARD_OF[card]!.caps) {
        for (const start of ts) {
          const inside = ts.filter((x) => x >= start && x < start + w.ms).length;
          expect(
            inside,
            `${card}: ${inside} retries in ${w.ms / HOUR}h from ${new Date(start).toISOString()}`,
          ).toBeLessThanOrEqual(w.max);
          if (inside === w.max) reached.push(`${card}/${w.ms / HOUR}h`);
        }
      }
    }
    // Each cap was reached exactly, so the test shows the rules binding, not idle.
    expect([...new Set(reached)].sort()).toEqual([
      'pm_mc/24h',
      'pm_mc/720h',
      'pm_visa/720h',
      'pm_visa_busy/720h',
      'sub:300/24h',
      'sub:300/720h',
    ]);
  });
});

describe('a cap reached between planning and execution', () => {
  it('blocks at execution with the rule name, overriding the gate decision, audited', async () => {
    const db = await freshDb('card_rules_exec');
    await payments(
      db,
      Array.from({ length: 11 }, (_, i) => ({
        id: 1 + i,
        subscriptionId: 10 + i,
        brand: 'mastercard',
        pm: 'pm_shared',
      })),
    );
    // Cycle A plans payment 1's retry and stops before executing it (a crash, or an approval pending).
    const onlyFirst = await db('app.payments')
      .whereNot({ id: 1 })
      .update({ next_retry_at: new Date(START.getTime() + DAY) });
    expect(onlyFirst).toBe(10);
    const a = await cycle(db, START, sandbox(db), false);
    const planned: ActionRow = await db('engine.actions').where({ cycle_id: a.cycleId }).first();
    expect(planned).toMatchObject({ target_id: '1', status: 'planned' });
    // Cycle B, an hour later, retries the other ten payments of the same card: the 24-hour cap is full.
    await db('app.payments').whereNot({ id: 1 }).update({ next_retry_at: null });
    await db('app.payments')
      .where({ id: 1 })
      .update({ next_retry_at: new Date(START.getTime() + DAY) });
    const later = new Date(START.getTime() + HOUR);
    await cycle(db, later, sandbox(db));
    expect(await db('engine.effects').count({ n: '*' }).first()).toMatchObject({ n: 10 });
    const r = await executeAction({ ...a.deps, now: () => new Date(later.getTime() + 60_000) }, planned.id);
    expect(r.status).toBe('blocked');
    expect(r.reason).toBe('mastercard_24h_cap: mastercard allows 10 retries of one card in 24 hours; this card had 10');
    const gate = await db('engine.gate_decisions').where({ action_id: planned.id, gate: 'card_network' }).first();
    expect(gate).toMatchObject({ passed: false, reason: r.reason });
    expect(gate.details).toMatchObject({ rule: 'mastercard_24h_cap', checkedAt: 'execution' });
    const audit = await db('engine.audit_log').where({ event: 'action.blocked', target: planned.id }).first();
    expect(audit.after).toMatchObject({ status: 'blocked', reason: r.reason });
    expect(await db('app.payments').where({ id: 1 }).first()).toMatchObject({ attempt_count: 1 });
  });
});

describe('two executions on one card at once', () => {
  it('are serialized by the card: with one retry left under the cap, exactly one runs', async () => {
    const db = await freshDb('card_rules_race');
    // Nine payments of one Mastercard retried this morning, then two more planned in the same cycle.
    await payments(
      db,
      Array.from({ length: 11 }, (_, i) => ({ id: 1 + i, subscriptionId: 10 + i, brand: 'mastercard', pm: 'pm_race' })),
    );
    await db('app.payments')
      .where('id', '>', 9)
      .update({ next_retry_at: new Date(START.getTime() + DAY) });
    await cycle(db, START, sandbox(db));
    expect(await db('engine.effects').count({ n: '*' }).first()).toMatchObject({ n: 9 });
    await db('app.payments').where('id', '>', 9).update({ next_retry_at: null });
    await db('app.payments')
      .where('id', '<=', 9)
      .update({ next_retry_at: new Date(START.getTime() + DAY) });
    // Planned in two cycles (each sees one retry left), then executed concurrently.
    const later = new Date(START.getTime() + HOUR);
    await db('app.payments')
      .where({ id: 11 })
      .update({ next_retry_at: new Date(START.getTime() + DAY) });
    const a = await cycle(db, later, sandbox(db), false);
    await db('app.payments').where({ id: 11 }).update({ next_retry_at: null });
    await db('app.payments')
      .where({ id: 10 })
      .update({ next_retry_at: new Date(START.getTime() + DAY) });
    const b = await cycle(db, new Date(later.getTime() + 1000), sandbox(db), false);
    const ids: string[] = await db('engine.actions')
      .whereIn('cycle_id', [a.cycleId, b.cycleId])
      .where({ status: 'planned' })
      .pluck('id');
    expect(ids).toHaveLength(2);
    const results = await Promise.all(ids.map((id) => executeAction(a.deps, id)));
    expect(results.map((r) => r.status).sort()).toEqual(['blocked', 'executed']);
    expect(results.find((r) => r.status === 'blocked')!.reason).toMatch(/^mastercard_24h_cap: /);
    expect(await db('engine.effects').count({ n: '*' }).first()).toMatchObject({ n: 10 });
  });
});

describe('the advice a declined retry returns', () => {
  let proxy: RecordingProxy;
  beforeAll(async () => {
    proxy = await startRecordingProxy(stripeMockUrl());
  });
  afterAll(() => proxy?.close());

  it('is used by the next cycle: Stripe answers MAC 21, the next cycle blocks the payment', async () => {
    const db = await freshDb('card_rules_advice');
    await payments(db, [
      { id: 1, subscriptionId: 10, brand: 'mastercard', pm: 'pm_1', providerRef: 'pi_CardRulesAdvice' },
    ]);
    const stripe = () => createStripePaymentGateway({ apiKey: 'sk_test_floyo', apiBase: proxy.url });
    proxy.answerNext(402, {
      error: {
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'do_not_honor',
        network_advice_code: '21',
        message: 'Your card was declined.',
        payment_intent: { id: 'pi_CardRulesAdvice', object: 'payment_intent' },
      },
    });
    const first = await cycle(db, START, stripe);
    const done: ActionRow = await db('engine.actions').where({ cycle_id: first.cycleId }).first();
    expect(done.status).toBe('executed');
    const effect = await db('engine.effects').where({ action_id: done.id }).first();
    expect(effect.response).toMatchObject({ outcome: 'declined', adviceCode: '21' });
    // The platform's data has not synced the decline: app.payments still says retryable, no advice.
    expect(await db('app.payments').where({ id: 1 }).first()).toMatchObject({ advice_code: null, attempt_count: 1 });
    const before = proxy.requests.length;
    const next = await cycle(db, new Date(START.getTime() + 4 * HOUR), stripe);
    const stopped: ActionRow = await db('engine.actions').where({ cycle_id: next.cycleId }).first();
    expect(stopped).toMatchObject({ target_id: '1', status: 'blocked' });
    expect(stopped.status_reason).toBe(
      'network_advice_do_not_retry: the card network advised not to retry (advice code 21)',
    );
    expect(proxy.requests.length).toBe(before);
  });
});

describe('a platform without the optional card columns', () => {
  it('plans and caps per subscription, the brand unknown', async () => {
    const db = await freshDb('card_rules_no_columns');
    await db.raw(
      'ALTER TABLE app.payments DROP COLUMN card_brand, DROP COLUMN payment_method_ref, DROP COLUMN advice_code',
    );
    await payments(
      db,
      Array.from({ length: 12 }, (_, i) => ({ id: 1 + i, subscriptionId: 10 })),
      false,
    );
    const c = await cycle(db, START, sandbox(db));
    const actions: ActionRow[] = await db('engine.actions').where({ cycle_id: c.cycleId });
    expect(actions.filter((a) => a.status === 'executed')).toHaveLength(10);
    const blocked = actions.filter((a) => a.status === 'blocked');
    expect(blocked).toHaveLength(2);
    for (const a of blocked)
      expect(a.status_reason).toBe('other_24h_cap: other allows 10 retries of one card in 24 hours; this card had 10');
    expect(actions[0]!.params).toMatchObject({ cardBrand: null, paymentMethodRef: null, adviceCode: null });
  });
});
