// Creates or updates the engine's schedules when the worker starts (idempotent): the autonomous cycle
// every 4 hours at :00, the monitor every hour at :30, and the outbox relay every minute, overlap skip. The cycle
// and monitor runs carry no dryRun, so they stay dry-run until an admin enables the live_mode policy; the relay
// only delivers what live effects queued. A paused schedule stays paused.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { autonomousCycle, monitorAndRespond, outboxRelay } from '../workflows';
import { SA_CYCLE_KIND, SA_TRIGGER, SCHEDULE_IDS } from '../workflows/definitions';

export type ScheduleIds = { cycle: string; monitor: string; relay: string };

export function scheduleDefinitions(taskQueue: string, ids: ScheduleIds = SCHEDULE_IDS): ScheduleOptions[] {
  return [
    {
      scheduleId: ids.cycle,
      spec: { calendars: [{ comment: 'every 4 hours at :00', hour: { start: 0, end: 23, step: 4 }, minute: 0 }] },
      action: {
        type: 'startWorkflow',
        workflowType: autonomousCycle,
        workflowId: `${ids.cycle}-run`,
        taskQueue,
        args: [{ trigger: 'schedule', requestedBy: 'schedule' }],
        typedSearchAttributes: [
          { key: SA_CYCLE_KIND, value: 'cycle' },
          { key: SA_TRIGGER, value: 'schedule' },
        ],
        staticSummary: 'Scheduled autonomous cycle (dry-run unless live mode is on)',
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
      state: { note: 'Floyo autonomous cycle, every 4 hours at :00' },
    },
    {
      scheduleId: ids.monitor,
      spec: { calendars: [{ comment: 'every hour at :30', hour: { start: 0, end: 23 }, minute: 30 }] },
      action: {
        type: 'startWorkflow',
        workflowType: monitorAndRespond,
        workflowId: `${ids.monitor}-run`,
        taskQueue,
        args: [{ trigger: 'schedule', requestedBy: 'schedule' }],
        typedSearchAttributes: [
          { key: SA_CYCLE_KIND, value: 'monitor' },
          { key: SA_TRIGGER, value: 'schedule' },
        ],
        staticSummary: 'Scheduled health monitor (dry-run unless live mode is on)',
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
      state: { note: 'Floyo health monitor, every hour at :30' },
    },
    {
      scheduleId: ids.relay,
      spec: { intervals: [{ every: '1 minute' }] },
      action: {
        type: 'startWorkflow',
        workflowType: outboxRelay,
        workflowId: `${ids.relay}-run`,
        taskQueue,
        args: [{}],
        staticSummary: 'Outbox relay: deliver queued messages over SMTP or webhook (MESSENGER)',
      },
      // Skip keeps one relay at a time; a missed minute needs no catch-up, the next run drains everything due.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      state: { note: 'Floyo outbox relay, every minute' },
    },
  ];
}

/** `ids` lets tests use schedules of their own instead of the shared ones. */
export async function ensureSchedules(
  client: Client,
  taskQueue: string,
  ids: ScheduleIds = SCHEDULE_IDS,
): Promise<Array<{ scheduleId: string; created: boolean }>> {
  const results: Array<{ scheduleId: string; created: boolean }> = [];
  for (const def of scheduleDefinitions(taskQueue, ids)) {
    try {
      await client.schedule.create(def);
      results.push({ scheduleId: def.scheduleId, created: true });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(def.scheduleId).update((prev) => ({
        ...prev,
        spec: def.spec,
        action: def.action,
        policies: { ...prev.policies, ...def.policies },
      }));
      results.push({ scheduleId: def.scheduleId, created: false });
    }
  }
  return results;
}
