// engine.alert_deliveries on real PostgreSQL (the migrated test template): a dedupe key is delivered once,
// kinds and statuses are constrained, and a delivery belongs to an existing finding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db';

let t: TestDb;
let findingId: number;

beforeAll(async () => {
  t = await createTestDb('alert_deliveries');
  const now = new Date('2026-11-20T12:00:00Z');
  await t
    .db('engine.cycles')
    .insert({ id: 'c1', kind: 'monitor', trigger: 'api', dry_run: true, phases: ['monitor'], logical_now: now });
  [{ id: findingId }] = await t
    .db('engine.findings')
    .insert({
      fingerprint: 'system_health:event_freshness',
      detector: 'system_health',
      kind: 'event_freshness',
      category: 'issue',
      severity: 'critical',
      confidence: 0.9,
      title: 'No events for 48 h',
      first_seen_at: now,
      last_seen_at: now,
      first_cycle_id: 'c1',
      last_cycle_id: 'c1',
    })
    .returning('id');
});
afterAll(() => t?.drop());

const row = (over: Record<string, unknown> = {}) => ({
  finding_id: findingId,
  cycle_id: 'c1',
  channel: 'pagerduty',
  kind: 'trigger',
  dedupe_key: 'system_health:event_freshness:pagerduty:trigger:0',
  ...over,
});

describe('engine.alert_deliveries', () => {
  it('records a pending delivery with defaults, once per dedupe key', async () => {
    const first = await t.db('engine.alert_deliveries').insert(row()).onConflict('dedupe_key').ignore().returning('*');
    const again = await t.db('engine.alert_deliveries').insert(row()).onConflict('dedupe_key').ignore().returning('*');
    expect(first[0]).toMatchObject({ status: 'pending', attempts: 0, dry_run: true, last_error: null, response: null });
    expect(again).toEqual([]);
    await expect(t.db('engine.alert_deliveries').insert(row())).rejects.toMatchObject({ code: '23505' });
  });

  it('rejects an unknown kind or status and a delivery of a finding that does not exist', async () => {
    await expect(t.db('engine.alert_deliveries').insert(row({ dedupe_key: 'k1', kind: 'page' }))).rejects.toMatchObject(
      { code: '23514' },
    );
    await expect(
      t.db('engine.alert_deliveries').insert(row({ dedupe_key: 'k2', status: 'sent' })),
    ).rejects.toMatchObject({ code: '23514' });
    await expect(
      t.db('engine.alert_deliveries').insert(row({ dedupe_key: 'k3', finding_id: 999_999 })),
    ).rejects.toMatchObject({ code: '23503' });
  });
});
