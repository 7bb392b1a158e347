// The suppression list against a real PostgreSQL: recording is idempotent and audited once, the planners'
// message target queries leave suppressed addresses out, and the execute-time recipient gate blocks a
// message to an address suppressed after the action was planned.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db';
import type { Db } from '../../db/knex';
import { executeAction, type EffectDeps } from '../../activities/effects/executor';
import { createOutboxMessenger } from '../../activities/effects/outbox-messenger';
import { createSandboxPaymentGateway } from '../../activities/effects/sandbox-payment-gateway';
import { listAudit } from '../../db/repos/audit';
import { suppressAddress, suppressionOfUser } from '../../db/repos/suppressions';
import {
  queryAtRiskUsers,
  queryChurnSignalUsers,
  queryRecentNonActivatedSignups,
  queryUpgradeCandidates,
} from '../../db/queries/targets';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const H = 3_600_000;
const D = 24 * H;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const clock = () => NOW;

let t: TestDb;
let db: Db;
let deps: EffectDeps;

// Users 1..4 of each kind: 1 plain, 2 suppressed by address (other spelling), 3 suppressed by id only
// (address changed since), 4 opted out in the platform.
const KINDS = { signup: 100, atRisk: 200, churn: 300, upgrade: 400 } as const;

beforeAll(async () => {
  t = await createTestDb('suppressions');
  db = t.db;
  deps = {
    db,
    payments: createSandboxPaymentGateway(db, clock),
    messenger: createOutboxMessenger(db, clock),
    now: clock,
  };
  await db('app.plans').insert([
    { id: 1, name: 'free', price_cents: 0, interval: 'month' },
    { id: 2, name: 'pro', price_cents: 4900, interval: 'month' },
  ]);
  const users: Record<string, unknown>[] = [];
  const events: Record<string, unknown>[] = [];
  for (const [kind, base] of Object.entries(KINDS)) {
    for (let i = 1; i <= 4; i++) {
      const id = base + i;
      const signup = kind === 'signup';
      users.push({
        id,
        email: `User${id}@Example.com `,
        created_at: signup ? ago(3 * D) : ago(60 * D),
        activated_at: signup ? null : ago(59 * D),
        last_seen_at: ago(2 * H),
        acquisition_channel: 'organic',
        marketing_opt_out: i === 4,
      });
      // Declining activity (1 recent vs 8 previous) for at-risk and churn, 25 recent events for upgrades.
      const recent = kind === 'upgrade' ? 25 : signup ? 0 : 1;
      const previous = kind === 'atRisk' || kind === 'churn' ? 8 : 0;
      for (let e = 0; e < recent; e++)
        events.push({ id: events.length + 1, user_id: id, name: 'use', occurred_at: ago(H * (e + 1)) });
      for (let e = 0; e < previous; e++)
        events.push({ id: events.length + 1, user_id: id, name: 'use', occurred_at: ago(8 * D + H * e) });
    }
  }
  await db('app.users').insert(users);
  await db('app.events').insert(events);
  for (const base of Object.values(KINDS)) {
    await suppressAddress(db, {
      address: `user${base + 2}@example.COM`,
      reason: 'unsubscribe',
      source: 'test',
      actor: 'test',
    });
    await suppressAddress(db, {
      address: `old-address-${base + 3}@example.com`,
      userId: base + 3,
      reason: 'complaint',
      source: 'test',
      actor: 'test',
    });
  }
  await db('engine.cycles').insert({
    id: 'live-1',
    kind: 'cycle',
    trigger: 'api',
    requested_by: 'test',
    dry_run: false,
    phases: ['optimize'],
    logical_now: NOW,
  });
});
afterAll(() => t?.drop());

describe('suppression repository', () => {
  it('stores the normalized address with the user it belongs to, once, audited once', async () => {
    const first = await suppressAddress(db, {
      address: '  User101@EXAMPLE.com',
      reason: 'unsubscribe',
      source: 'list-unsubscribe-one-click',
      actor: 'unsubscribe-link',
    });
    expect(first).toMatchObject({
      created: true,
      suppression: { address: 'user101@example.com', userId: 101, reason: 'unsubscribe' },
    });
    const again = await suppressAddress(db, {
      address: 'user101@example.com',
      reason: 'manual',
      source: 'operator',
      actor: 'alice',
    });
    expect(again).toEqual({ created: false, suppression: first.suppression });
    expect(await db('engine.suppressions').where({ address: 'user101@example.com' })).toHaveLength(1);
    const audit = await listAudit(db, { event: 'suppression.added', target: 'address:user101@example.com' });
    expect(audit).toHaveLength(1);
    await db('engine.suppressions').where({ address: 'user101@example.com' }).delete();
  });

  it('covers a user by current address or by the id recorded with an old one', async () => {
    expect(await suppressionOfUser(db, 102, 'User102@Example.com ')).toMatchObject({ reason: 'unsubscribe' });
    expect(await suppressionOfUser(db, 103, 'User103@Example.com ')).toMatchObject({
      address: 'old-address-103@example.com',
      reason: 'complaint',
    });
    expect(await suppressionOfUser(db, 101, 'User101@Example.com ')).toBeNull();
    expect(await suppressionOfUser(db, 101, null)).toBeNull();
  });

  it('refuses an empty address', async () => {
    await expect(suppressAddress(db, { address: '  ', reason: 'manual', source: 't', actor: 't' })).rejects.toThrow(
      /empty address/,
    );
  });
});

describe('message target queries', () => {
  const ids = (rows: Array<{ userId: number }>) => rows.map((r) => r.userId).sort((a, b) => a - b);

  it('leave out suppressed and opted-out users, keep the rest', async () => {
    const opts = { limit: 100 };
    expect(ids(await queryRecentNonActivatedSignups(db, NOW, opts))).toEqual([101]);
    expect(ids(await queryAtRiskUsers(db, NOW, opts)).filter((u) => u > 200 && u < 300)).toEqual([201]);
    expect(ids(await queryChurnSignalUsers(db, NOW, opts)).filter((u) => u > 300 && u < 400)).toEqual([301]);
    expect(ids(await queryUpgradeCandidates(db, NOW, opts))).toEqual([401]);
  });
});

describe('execute-time recipient gate', () => {
  it('blocks a message to an address suppressed between planning and execution, and sends nothing', async () => {
    const planned = async (userId: number) => {
      const id = `live-1:onboarding_nudge:${userId}`;
      await db('engine.actions').insert({
        id,
        cycle_id: 'live-1',
        phase: 'optimize',
        type: 'onboarding_nudge',
        target_type: 'user',
        target_id: String(userId),
        params: JSON.stringify({ userId, template: 'onboarding_nudge_v1' }),
        detection_confidence: 1,
        confidence: 0.95,
        mode: 'auto',
        status: 'planned',
        dry_run: false,
      });
      return id;
    };
    const id = await planned(101);
    // The one-click unsubscribe lands after the plan, before the effect.
    await suppressAddress(db, { address: 'user101@example.com', reason: 'unsubscribe', source: 'test', actor: 'test' });
    const r = await executeAction(deps, id);
    expect(r.status).toBe('blocked');
    expect(r.reason).toMatch(/^recipient: user 101's address is suppressed \(unsubscribe via test at /);
    expect(await db('engine.outbox').where({ user_id: 101 })).toHaveLength(0);
    const gate = await db('engine.gate_decisions').where({ action_id: id, gate: 'recipient' }).first();
    expect(gate).toMatchObject({ passed: false });

    const byId = await executeAction(deps, await planned(103));
    expect(byId.reason).toMatch(/^recipient: user 103's address is suppressed \(complaint via test/);
    expect(await executeAction(deps, await planned(104))).toMatchObject({
      status: 'blocked',
      reason: 'recipient: user 104 opted out of marketing messages',
    });
  });
});
