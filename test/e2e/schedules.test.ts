// The engine's schedules over HTTP, in a namespace of the tests' own: list, pause, unpause and trigger
// (admin only), 404 for ids that are not the engine's or schedules that do not exist yet, and audit.
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { ScheduleNotFoundError } from '@temporalio/client';
import { ensureSchedules, scheduleDefinitions } from '../../worker/schedules';
import { SCHEDULE_IDS } from '../../workflows/definitions';
import { problemOf, setupE2E, type E2E } from './harness';
import { ensureTestNamespace } from '../../scripts/lib/namespace';

const NAMESPACE = 'floyo-e2e-schedules';
let e: E2E;

async function deleteSchedules(): Promise<void> {
  for (const id of Object.values(SCHEDULE_IDS)) {
    await e.client.schedule
      .getHandle(id)
      .delete()
      .catch((err: unknown) => {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      });
  }
}

beforeAll(async () => {
  await ensureTestNamespace(inject('temporalAddress'), NAMESPACE);
  e = await setupE2E('schedules', { namespace: NAMESPACE });
  await deleteSchedules(); // left over by an interrupted run
}, 120_000);
afterAll(async () => {
  if (e) {
    // Whatever the trigger started in this namespace.
    for await (const wf of e.client.workflow.list({
      query: `TaskQueue = '${e.taskQueue}' AND ExecutionStatus = 'Running'`,
    }))
      e.track(wf.workflowId);
    await deleteSchedules();
    await e.close();
  }
});

const op = (id: string, operation: string, payload: unknown = {}, role: 'viewer' | 'operator' | 'admin' = 'admin') =>
  e.app.inject({
    method: 'POST',
    url: `/api/autonomous/schedules/${id}/${operation}`,
    headers: e.as(role),
    payload: payload as object,
  });

describe('before the worker created the schedules', () => {
  it('lists all three as not existing', async () => {
    const res = await e.app.inject({ method: 'GET', url: '/api/autonomous/schedules', headers: e.as('viewer') });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((s: { scheduleId: string; exists: boolean }) => [s.scheduleId, s.exists])).toEqual([
      ['floyo-autonomous-cycle', false],
      ['floyo-monitor', false],
      ['floyo-outbox-relay', false],
    ]);
  });

  it('answers 404 to operations on them', async () => {
    const res = await op('floyo-monitor', 'pause');
    expect(res.statusCode).toBe(404);
    expect(problemOf(res).detail).toBe(
      "The schedule 'floyo-monitor' does not exist in Temporal yet: the worker creates it when it starts.",
    );
  });
});

describe('with the schedules created', () => {
  beforeAll(async () => {
    await ensureSchedules(e.client, e.taskQueue);
  });

  it('lists them with their next runs', async () => {
    const items = (
      await e.app.inject({ method: 'GET', url: '/api/autonomous/schedules', headers: e.as('viewer') })
    ).json().items;
    expect(items).toHaveLength(3);
    expect(items[0]).toMatchObject({
      scheduleId: 'floyo-autonomous-cycle',
      exists: true,
      paused: false,
      workflowType: 'autonomousCycle',
    });
    expect(items[1]).toMatchObject({
      scheduleId: 'floyo-monitor',
      exists: true,
      paused: false,
      workflowType: 'monitorAndRespond',
    });
    expect(items[2]).toMatchObject({
      scheduleId: 'floyo-outbox-relay',
      exists: true,
      paused: false,
      workflowType: 'outboxRelay',
    });
    // Every 4 hours at :00, every hour at :30, and every minute.
    for (const t of items[0].nextActionTimes) expect(t).toMatch(/T(00|04|08|12|16|20):00:00\.000Z$/);
    for (const t of items[1].nextActionTimes) expect(t).toMatch(/T\d\d:30:00\.000Z$/);
    for (const t of items[2].nextActionTimes) expect(t).toMatch(/T\d\d:\d\d:00\.000Z$/);
  });

  it('pauses and unpauses, with the note and an audit entry by the admin', async () => {
    const paused = await op('floyo-autonomous-cycle', 'pause', { note: 'maintenance window' });
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({
      scheduleId: 'floyo-autonomous-cycle',
      operation: 'pause',
      schedule: { paused: true, note: 'maintenance window' },
    });
    expect((await e.client.schedule.getHandle('floyo-autonomous-cycle').describe()).state.paused).toBe(true);

    const resumed = await op('floyo-autonomous-cycle', 'unpause', undefined);
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json().schedule).toMatchObject({ paused: false, note: 'unpaused by bootstrap-admin via the api' });

    const audit = await e.t.db('engine.audit_log').where({ target: 'schedule:floyo-autonomous-cycle' }).orderBy('id');
    expect(audit.map((a) => [a.event, a.actor, a.before.paused, a.after.paused])).toEqual([
      ['schedule.pause', 'bootstrap-admin', false, true],
      ['schedule.unpause', 'bootstrap-admin', true, false],
    ]);
  });

  it('triggers a run now', async () => {
    const res = await op('floyo-monitor', 'trigger');
    expect(res.statusCode).toBe(200);
    let recent: Array<{ workflowId: string }> = [];
    await expect
      .poll(
        async () =>
          (recent = (
            await e.app.inject({ method: 'GET', url: '/api/autonomous/schedules', headers: e.as('viewer') })
          ).json().items[1].recentActions),
        { timeout: 10_000, interval: 200 },
      )
      .toHaveLength(1);
    const monitor = scheduleDefinitions(e.taskQueue).find((d) => d.scheduleId === SCHEDULE_IDS.monitor)!;
    // Temporal appends the scheduled time to the action's workflow id.
    expect(recent[0]!.workflowId.startsWith(`${monitor.action.workflowId}-`)).toBe(true);
  });

  it("answers 404 for ids that are not the engine's schedules", async () => {
    const res = await op('someone-elses-schedule', 'pause');
    expect(res.statusCode).toBe(404);
    expect(problemOf(res).detail).toBe(
      "Unknown schedule 'someone-elses-schedule': the engine's schedules are floyo-autonomous-cycle, floyo-monitor, floyo-outbox-relay.",
    );
  });

  it('forbids operators and validates the body', async () => {
    expect((await op('floyo-monitor', 'pause', {}, 'operator')).statusCode).toBe(403);
    const bad = await op('floyo-monitor', 'pause', { note: '', paused: true });
    expect(bad.statusCode).toBe(400);
    expect(
      problemOf(bad)
        .errors!.map((x) => x.path)
        .sort(),
    ).toEqual(['', 'note']);
  });
});
