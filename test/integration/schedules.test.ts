// Schedules on the real dev server: created when the worker starts, updated (not duplicated) when it
// starts again, and a trigger starts a run. Uses schedule ids of its own so a running `npm start`
// keeps its schedules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { seedDemoData } from '../../scripts/seed/generate';
import { ensureSchedules } from '../../worker/schedules';
import { createTestDb, type TestDb } from '../helpers/db';
import { startTestWorker, type TestWorker } from '../helpers/temporal';

let t: TestDb;
let w: TestWorker;
const idsOf = (label: string) => ({
  cycle: `test-${label}cycle-${process.pid}-${Date.now()}`,
  monitor: `test-${label}monitor-${process.pid}-${Date.now()}`,
  relay: `test-${label}relay-${process.pid}-${Date.now()}`,
});
const ids = idsOf('');
const raced = idsOf('raced-');

beforeAll(async () => {
  t = await createTestDb('schedules');
  await seedDemoData(t.db, { users: 500, seed: 3, now: new Date() });
  w = await startTestWorker(t.db, { label: 'schedules' });
});
afterAll(async () => {
  for (const id of [...Object.values(ids), ...Object.values(raced)])
    await w.client.schedule
      .getHandle(id)
      .delete()
      .catch(() => undefined);
  await w?.shutdown();
  await t?.drop();
});

describe('schedules', () => {
  it('are created at worker start with the cadence, overlap policy and dry-run input the docs describe', async () => {
    expect(await ensureSchedules(w.client, w.taskQueue, ids)).toEqual([
      { scheduleId: ids.cycle, created: true },
      { scheduleId: ids.monitor, created: true },
      { scheduleId: ids.relay, created: true },
    ]);
    const cycle = await w.client.schedule.getHandle(ids.cycle).describe();
    expect(cycle.spec.calendars?.[0]).toMatchObject({
      minute: [{ start: 0, end: 0, step: 1 }],
      hour: [{ start: 0, end: 23, step: 4 }],
    });
    expect(cycle.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(cycle.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'autonomousCycle',
      taskQueue: w.taskQueue,
    });
    // No dryRun in the input: the run follows the live_mode policy, which is off by default.
    expect(cycle.action.type === 'startWorkflow' && cycle.action.args).toEqual([
      { trigger: 'schedule', requestedBy: 'schedule' },
    ]);
    const monitor = await w.client.schedule.getHandle(ids.monitor).describe();
    expect(monitor.spec.calendars?.[0]).toMatchObject({ minute: [{ start: 30, end: 30, step: 1 }] });
    expect(monitor.action).toMatchObject({ workflowType: 'monitorAndRespond' });
    const relay = await w.client.schedule.getHandle(ids.relay).describe();
    expect(relay.spec.intervals?.[0]).toMatchObject({ every: 60_000 });
    expect(relay.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(relay.action).toMatchObject({ workflowType: 'outboxRelay', taskQueue: w.taskQueue });
  });

  it('the relay runs once a minute and, with MESSENGER=outbox, ends at once without sending', async () => {
    const handle = w.client.schedule.getHandle(ids.relay);
    await handle.trigger();
    let workflowId: string | undefined;
    await expect
      .poll(
        async () => (workflowId = (await handle.describe()).info.recentActions.at(-1)?.action.workflow.workflowId),
        { timeout: 20_000, interval: 200 },
      )
      .toMatch(new RegExp(`^${ids.relay}-run`));
    expect(await w.client.workflow.getHandle(workflowId!).result()).toMatchObject({
      channel: null,
      batches: 1,
      claimed: 0,
    });
  });

  it('are updated, not duplicated, when the worker starts again, and stay paused if an operator paused them', async () => {
    await w.client.schedule.getHandle(ids.monitor).pause('maintenance');
    expect(await ensureSchedules(w.client, w.taskQueue, ids)).toEqual([
      { scheduleId: ids.cycle, created: false },
      { scheduleId: ids.monitor, created: false },
      { scheduleId: ids.relay, created: false },
    ]);
    expect((await w.client.schedule.getHandle(ids.monitor).describe()).state.paused).toBe(true);
    await w.client.schedule.getHandle(ids.monitor).unpause();
  });

  it('a trigger starts a dry-run cycle that completes', async () => {
    const handle = w.client.schedule.getHandle(ids.cycle);
    await handle.trigger();
    let runId: string | undefined;
    let workflowId: string | undefined;
    await expect
      .poll(
        async () => {
          const started = (await handle.describe()).info.recentActions.at(-1)?.action.workflow;
          runId = started?.firstExecutionRunId;
          return (workflowId = started?.workflowId);
        },
        { timeout: 20_000, interval: 200 },
      )
      .toMatch(new RegExp(`^${ids.cycle}-run`));
    const result = await w.client.workflow.getHandle(workflowId!, runId).result();
    expect(result).toMatchObject({ kind: 'cycle', dryRun: true });
    const row = await t.db('engine.cycles').where({ id: workflowId }).first();
    expect(row).toMatchObject({ trigger: 'schedule', dry_run: true, status: 'completed' });
  });

  it('the monitor runs the health detectors and records the run', async () => {
    const handle = w.client.schedule.getHandle(ids.monitor);
    await handle.trigger();
    let workflowId: string | undefined;
    await expect
      .poll(
        async () => (workflowId = (await handle.describe()).info.recentActions.at(-1)?.action.workflow.workflowId),
        {
          timeout: 20_000,
          interval: 200,
        },
      )
      .toBeDefined();
    const result = await w.client.workflow.getHandle(workflowId!).result();
    expect(result).toMatchObject({ kind: 'monitor', dryRun: true });
    expect(typeof result.healthScore).toBe('number');
    expect(
      await t.db('engine.cycle_phases').where({ cycle_id: workflowId, name: 'monitor', status: 'completed' }).first(),
    ).toBeTruthy();
  });

  it('are created once when several workers ensure them at the same moment; the others update, none fails', async () => {
    const results = await Promise.all([1, 2, 3].map(() => ensureSchedules(w.client, w.taskQueue, raced)));
    for (const id of Object.values(raced)) {
      const created = results.map((r) => r.find((x) => x.scheduleId === id)?.created);
      expect(
        created.filter((c) => c === true),
        id,
      ).toHaveLength(1);
      expect(
        created.filter((c) => c === false),
        id,
      ).toHaveLength(2);
    }
  });
});
