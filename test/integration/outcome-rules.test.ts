// The outcome SQL agrees with the engine's rules: for every measured action type, success and failure
// cases of its signal (window edges included) are planted in real PostgreSQL, measured by the learn
// phase's statement, and each stored outcome is compared with isOutcomeSuccess() over the same rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureOutcomes } from '../../db/repos/action-stats';
import {
  isOutcomeSuccess,
  MEASURED_ACTION_TYPES,
  OUTCOME_RULES,
  outcomeDueAt,
  type OutcomeFacts,
  type SuccessSignal,
} from '../../engine/learning/outcomes';
import { createTestDb, type TestDb } from '../helpers/db';

const DAY = 86_400_000;
const E = Date.parse('2026-10-01T06:00:00.000Z'); // every action's executed_at
const NOW = new Date(E + 30 * DAY); // after every window and the pending-payment grace

interface Plant {
  label: string;
  payment?: string | null; // the payment's status; null: no payment row
  activatedAt?: number | null; // offset from E
  events?: number[]; // offsets from E
  subs?: Array<{ status: string; mrr: number; started: number; canceled?: number }>; // offsets from E
}

// Window lengths differ per type: `w` is the rule's window, so each edge sits on the rule's own boundary.
const CASES: Record<SuccessSignal, (w: number) => Plant[]> = {
  payment_succeeded: () => [
    { label: 'succeeded', payment: 'succeeded' },
    { label: 'still failed', payment: 'failed' },
    { label: 'refunded', payment: 'refunded' },
    { label: 'pending past the grace', payment: 'pending' },
    { label: 'missing', payment: null },
  ],
  activated_in_window: (w) => [
    { label: 'activated inside', activatedAt: w / 2 },
    { label: 'activated at the window end', activatedAt: w },
    { label: 'activated a second late', activatedAt: w + 1000 },
    { label: 'activated before', activatedAt: -DAY },
    { label: 'never activated', activatedAt: null },
  ],
  event_in_window: (w) => [
    { label: 'event inside', events: [DAY] },
    { label: 'event at the window end', events: [w] },
    { label: 'events only outside', events: [-3_600_000, w + DAY] },
    { label: 'no events', events: [] },
  ],
  higher_paid_plan_in_window: (w) => [
    {
      label: 'upgrade',
      subs: [
        { status: 'canceled', mrr: 2900, started: -60 * DAY, canceled: DAY },
        { status: 'active', mrr: 9900, started: DAY },
      ],
    },
    {
      label: 'downgrade',
      subs: [
        { status: 'canceled', mrr: 9900, started: -60 * DAY, canceled: DAY },
        { status: 'active', mrr: 2900, started: DAY },
      ],
    },
    {
      label: 'same plan again',
      subs: [
        { status: 'active', mrr: 2900, started: -60 * DAY },
        { status: 'active', mrr: 2900, started: DAY },
      ],
    },
    { label: 'trial only', subs: [{ status: 'trialing', mrr: 9900, started: DAY }] },
    { label: 'first paid plan at the window end', subs: [{ status: 'past_due', mrr: 2900, started: w }] },
    { label: 'paid plan after the window', subs: [{ status: 'active', mrr: 9900, started: w + 1000 }] },
    {
      label: 'old plan ended before: any paid plan is higher',
      subs: [
        { status: 'canceled', mrr: 9900, started: -60 * DAY, canceled: -DAY },
        { status: 'active', mrr: 2900, started: DAY },
      ],
    },
  ],
};

interface Planted {
  actionId: string;
  type: string;
  label: string;
  targetId: number;
}

let t: TestDb;
const planted: Planted[] = [];

beforeAll(async () => {
  t = await createTestDb('outcome-rules');
  const db = t.db;
  await db('engine.cycles').insert({
    id: 'cycle-1',
    kind: 'cycle',
    trigger: 'api',
    dry_run: false,
    phases: ['learn'],
    logical_now: NOW,
  });
  let nextId = 1000;
  const users: object[] = [];
  const payments: object[] = [];
  const events: object[] = [];
  const subs: object[] = [];
  const actions: object[] = [];
  for (const type of MEASURED_ACTION_TYPES) {
    const rule = OUTCOME_RULES[type];
    for (const c of CASES[rule.signal](rule.windowMs)) {
      const id = nextId++;
      users.push({
        id,
        email: `u${id}@example.com`,
        created_at: new Date(E - 90 * DAY),
        activated_at: c.activatedAt == null ? null : new Date(E + c.activatedAt),
      });
      if (c.payment != null)
        payments.push({
          id,
          subscription_id: id,
          amount_cents: 2900,
          status: c.payment,
          attempted_at: new Date(E),
          attempt_count: 2,
        });
      for (const at of c.events ?? [])
        events.push({ id: nextId++, user_id: id, name: 'session', occurred_at: new Date(E + at) });
      for (const s of c.subs ?? [])
        subs.push({
          id: nextId++,
          user_id: id,
          plan_id: 1,
          status: s.status,
          mrr_cents: s.mrr,
          started_at: new Date(E + s.started),
          canceled_at: s.canceled == null ? null : new Date(E + s.canceled),
        });
      const actionId = `${type}:${id}`;
      actions.push({
        id: actionId,
        cycle_id: 'cycle-1',
        phase: 'heal',
        type,
        target_type: rule.targetType,
        target_id: String(id),
        detection_confidence: 1,
        confidence: 0.9,
        mode: 'auto',
        status: 'executed',
        dry_run: false,
        executed_at: new Date(E),
        outcome_due_at: outcomeDueAt(type, new Date(E)),
      });
      planted.push({ actionId, type, label: c.label, targetId: id });
    }
  }
  await db('app.users').insert(users);
  if (payments.length) await db('app.payments').insert(payments);
  if (events.length) await db('app.events').insert(events);
  if (subs.length) await db('app.subscriptions').insert(subs);
  await db('engine.actions').insert(actions);
});

afterAll(() => t?.drop());

/** The facts isOutcomeSuccess() reads, taken from the stored rows of the action's target. */
async function factsOf(signal: SuccessSignal, targetId: number): Promise<OutcomeFacts> {
  const db = t.db;
  switch (signal) {
    case 'payment_succeeded': {
      const p = await db('app.payments').where({ id: targetId }).first('status');
      return { paymentStatus: p?.status ?? null };
    }
    case 'activated_in_window': {
      const u = await db('app.users').where({ id: targetId }).first('activated_at');
      return { activatedAt: u?.activated_at ?? null };
    }
    case 'event_in_window':
      return { eventTimes: await db('app.events').where({ user_id: targetId }).pluck('occurred_at') };
    case 'higher_paid_plan_in_window': {
      const rows = await db('app.subscriptions').where({ user_id: targetId });
      return {
        subscriptions: rows.map((s: Record<string, any>) => ({
          status: s.status,
          mrrCents: Number(s.mrr_cents),
          startedAt: s.started_at,
          canceledAt: s.canceled_at,
        })),
      };
    }
  }
}

describe('outcome SQL vs engine rules', () => {
  it('measures every planted case exactly as isOutcomeSuccess() judges it', async () => {
    const result = await measureOutcomes(t.db, NOW);
    expect(result.measured).toBe(planted.length);
    const stored = new Map<string, string | null>(
      (await t.db('engine.actions').select('id', 'outcome')).map((r: { id: string; outcome: string | null }) => [
        r.id,
        r.outcome,
      ]),
    );
    const disagreements: string[] = [];
    const seen = new Map<string, Set<string>>();
    for (const p of planted) {
      const rule = OUTCOME_RULES[p.type as keyof typeof OUTCOME_RULES];
      const expected = isOutcomeSuccess(rule, new Date(E), await factsOf(rule.signal, p.targetId))
        ? 'success'
        : 'failure';
      const actual = stored.get(p.actionId);
      if (actual !== expected) disagreements.push(`${p.type} / ${p.label}: SQL ${actual}, engine ${expected}`);
      (seen.get(p.type) ?? seen.set(p.type, new Set()).get(p.type)!).add(expected);
    }
    expect(disagreements).toEqual([]);
    // Every type is checked on both sides of its rule, or agreement would prove little.
    for (const type of MEASURED_ACTION_TYPES)
      expect([...(seen.get(type) ?? [])].sort()).toEqual(['failure', 'success']);
  });

  it('has a case list for every signal a rule uses', () => {
    for (const type of MEASURED_ACTION_TYPES)
      expect(CASES[OUTCOME_RULES[type].signal](OUTCOME_RULES[type].windowMs).length).toBeGreaterThan(1);
  });
});
