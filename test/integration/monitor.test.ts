// monitorAndRespond on the real dev server: the cheap health detectors find an event-freshness outage,
// record it as an alert, and start a selfHeal run (heal phase only) because healable problems are open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../scripts/seed/generate';
import { autonomousCycle, monitorAndRespond, type selfHeal } from '../../workflows';
import { createTestDb, type TestDb } from '../helpers/db';
import { startTestWorker, type TestWorker } from '../helpers/temporal';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const LATER = new Date(NOW.getTime() + 2 * 86_400_000); // two days without a single event
let t: TestDb;
let w: TestWorker;

beforeAll(async () => {
  t = await createTestDb('monitor');
  await seedDemoData(t.db, { users: 800, seed: 9, now: NOW });
  w = await startTestWorker(t.db, { label: 'monitor' });
});
afterAll(async () => {
  await w?.shutdown();
  await t?.drop();
});

describe('monitorAndRespond', () => {
  it('records nothing alarming while events flow', async () => {
    const result = await w.client.workflow.execute(monitorAndRespond, {
      workflowId: `test-monitor-quiet-${process.pid}`,
      taskQueue: w.taskQueue,
      args: [{ dryRun: true, trigger: 'api', now: NOW.toISOString() }],
    });
    expect(result).toMatchObject({ kind: 'monitor', alerts: 0, selfHealWorkflowId: null });
    expect(await t.db('engine.alerts')).toEqual([]);
  });

  it('alerts on a freshness outage and starts a self-heal run for the open healable problems', async () => {
    // A full analysis first, so the billing / orphan findings the heal phase acts on are open.
    await w.client.workflow.execute(autonomousCycle, {
      workflowId: `test-monitor-analyze-${process.pid}`,
      taskQueue: w.taskQueue,
      args: [{ dryRun: true, trigger: 'api', phases: ['analyze'], now: NOW.toISOString() }],
    });
    const monitorId = `test-monitor-outage-${process.pid}`;
    const result = await w.client.workflow.execute(monitorAndRespond, {
      workflowId: monitorId,
      taskQueue: w.taskQueue,
      args: [{ dryRun: true, trigger: 'api', now: LATER.toISOString() }],
    });
    expect(result.alerts).toBe(1);
    const alert = await t
      .db('engine.alerts as a')
      .join('engine.findings as f', 'f.id', 'a.finding_id')
      .where('a.cycle_id', monitorId)
      .first('a.severity', 'f.fingerprint');
    expect(alert).toEqual({ severity: 'critical', fingerprint: 'system_health:event_freshness' });
    expect(result.selfHealWorkflowId).toBe(`self-heal-from-${monitorId}`);
    const heal = await w.client.workflow.getHandle<typeof selfHeal>(result.selfHealWorkflowId!).result();
    expect(heal).toMatchObject({ kind: 'self_heal', dryRun: true });
    expect(heal.phases).toEqual([expect.objectContaining({ name: 'heal', status: 'completed' })]);
    const row = await t.db('engine.cycles').where({ id: result.selfHealWorkflowId }).first();
    expect(row).toMatchObject({
      kind: 'self_heal',
      trigger: 'monitor',
      requested_by: monitorId,
      dry_run: true,
      status: 'completed',
    });
    expect(
      Number(
        (await t
          .db('engine.actions')
          .where({ cycle_id: result.selfHealWorkflowId, type: 'retry_payment' })
          .count({ n: '*' })
          .first())!.n,
      ),
    ).toBeGreaterThan(0);
  });
});
