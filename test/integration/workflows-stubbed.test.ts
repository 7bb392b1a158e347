// The workflows' orchestration alone, on the real dev server with stub activities: a failed phase closes
// its cycle as failed, and the monitor starts a self-heal run only when a critical finding calls for one.
import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import type { Activities, CycleContext, PhaseSummary } from '../../activities';
import type { OpenCycleInput } from '../../activities/cycle-bookkeeping';
import { NonRetryableError } from '../../activities/effects/errors';
import { autonomousCycle, monitorAndRespond, selfHeal } from '../../workflows';
import { startStubWorker, type StubWorker } from '../helpers/temporal';

const NOW = '2026-11-20T12:00:00.000Z';

type Call = { activity: string; arg: unknown };

/** Stub bookkeeping and phases that record each call; `overrides` replaces any of them. */
function stubActivities(calls: Call[], overrides: Partial<Activities> = {}): Partial<Activities> {
  const phase =
    (name: string) =>
    async (ctx: CycleContext): Promise<PhaseSummary> => {
      calls.push({ activity: name, arg: ctx });
      return { counts: { [name]: 1 } };
    };
  return {
    openCycle: async (input: OpenCycleInput) => {
      calls.push({ activity: 'openCycle', arg: input });
      return { dryRun: input.dryRun ?? true, now: input.now ?? NOW };
    },
    closeCycle: async (input) => {
      calls.push({ activity: 'closeCycle', arg: input });
    },
    analyze: phase('analyze'),
    heal: phase('heal'),
    optimize: phase('optimize'),
    prevent: phase('prevent'),
    learn: phase('learn'),
    decide: phase('decide'),
    verify: phase('verify'),
    sendAlerts: async (ctx: CycleContext) => {
      calls.push({ activity: 'sendAlerts', arg: ctx });
      return { counts: { delivered: 0, skipped: 0, failed: 0, pending: 0, held: 0 } };
    },
    ...overrides,
  };
}

let w: StubWorker | undefined;
afterEach(async () => {
  await w?.shutdown();
  w = undefined;
});

describe('a cycle whose phase fails', () => {
  it('closes the cycle as failed with the phase error, runs no later phase, and fails with that error', async () => {
    const calls: Call[] = [];
    w = await startStubWorker(
      'stub-failed-phase',
      stubActivities(calls, {
        optimize: async (ctx) => {
          calls.push({ activity: 'optimize', arg: ctx });
          throw new NonRetryableError('payment gateway refused the batch', 'refused');
        },
      }),
    );
    const workflowId = `${w.taskQueue}-cycle`;
    const err = await w.client.workflow
      .execute(autonomousCycle, {
        workflowId,
        taskQueue: w.taskQueue,
        args: [{ dryRun: true, trigger: 'cli', now: NOW }],
      })
      .then(
        () => null,
        (e: unknown) => e,
      );

    expect(err).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (err as WorkflowFailedError).cause;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    expect((activityFailure as ActivityFailure).activityType).toBe('optimize');
    const appFailure = (activityFailure as ActivityFailure).cause;
    expect(appFailure).toBeInstanceOf(ApplicationFailure);
    expect(appFailure).toMatchObject({ type: 'NonRetryableError', message: 'payment gateway refused the batch' });

    // Non-retryable: one attempt, then the close bookkeeping with status failed; nothing after optimize.
    expect(calls.map((c) => c.activity)).toEqual([
      'openCycle',
      'analyze',
      'sendAlerts',
      'heal',
      'optimize',
      'closeCycle',
    ]);
    expect(calls.at(-1)!.arg).toEqual({
      cycleId: workflowId,
      status: 'failed',
      error: 'optimize: payment gateway refused the batch',
    });
    expect(calls[1]!.arg).toEqual({ cycleId: workflowId, kind: 'cycle', dryRun: true, now: NOW });
    const desc = await w.client.workflow.getHandle(workflowId).describe();
    expect(desc.status.name).toBe('FAILED');
  });

  it('closes the cycle as completed when every phase succeeds', async () => {
    const calls: Call[] = [];
    w = await startStubWorker('stub-ok-cycle', stubActivities(calls));
    const workflowId = `${w.taskQueue}-cycle`;
    const result = await w.client.workflow.execute(autonomousCycle, {
      workflowId,
      taskQueue: w.taskQueue,
      args: [{ dryRun: true, trigger: 'cli', now: NOW, phases: ['verify', 'analyze'] }],
    });
    expect(calls.map((c) => c.activity)).toEqual(['openCycle', 'analyze', 'sendAlerts', 'verify', 'closeCycle']);
    expect(calls.at(-1)!.arg).toEqual({ cycleId: workflowId, status: 'completed' });
    expect(result.phases).toEqual([
      { name: 'analyze', status: 'completed', counts: { analyze: 1 } },
      { name: 'verify', status: 'completed', counts: { verify: 1 } },
    ]);
  });
});

describe('the monitor', () => {
  type MonitorResult = Awaited<ReturnType<Activities['monitorHealth']>>;

  async function runMonitor(report: MonitorResult, overrides: Partial<Activities> = {}) {
    const calls: Call[] = [];
    w = await startStubWorker(
      'stub-monitor',
      stubActivities(calls, {
        monitorHealth: async (ctx) => {
          calls.push({ activity: 'monitorHealth', arg: ctx });
          return report;
        },
        ...overrides,
      }),
    );
    const workflowId = `${w.taskQueue}-monitor`;
    const result = await w.client.workflow.execute(monitorAndRespond, {
      workflowId,
      taskQueue: w.taskQueue,
      args: [{ dryRun: true, trigger: 'schedule', now: NOW }],
    });
    return { calls, workflowId, result, client: w.client };
  }

  it('starts a selfHeal run when a critical finding is healable', async () => {
    const { calls, workflowId, result, client } = await runMonitor({
      counts: { findings: 3, alerts: 1, openFindings: 3, resolved: 0 },
      healthScore: 42,
      healRecommended: true,
    });
    const childId = `self-heal-from-${workflowId}`;
    expect(result).toMatchObject({ cycleId: workflowId, kind: 'monitor', alerts: 1, healthScore: 42 });
    expect(result.selfHealWorkflowId).toBe(childId);

    const child = client.workflow.getHandle<typeof selfHeal>(childId);
    const healed = await child.result();
    expect(healed).toMatchObject({ cycleId: childId, kind: 'self_heal', dryRun: true });
    expect((await child.describe()).type).toBe('selfHeal');
    // The child runs the heal phase only, with the monitor's dry-run and the monitor as its trigger.
    const childCalls = calls.filter((c) => (c.arg as { cycleId: string }).cycleId === childId);
    expect(childCalls.map((c) => c.activity)).toEqual(['openCycle', 'heal', 'closeCycle']);
    expect(childCalls[0]!.arg).toMatchObject({
      kind: 'self_heal',
      trigger: 'monitor',
      requestedBy: workflowId,
      dryRun: true,
    });
    const own = calls.filter((c) => (c.arg as { cycleId: string }).cycleId === workflowId);
    expect(own.map((c) => c.activity)).toEqual(['openCycle', 'monitorHealth', 'sendAlerts', 'closeCycle']);
    expect(own[3]!.arg).toEqual({ cycleId: workflowId, status: 'completed' });
  });

  it('starts no selfHeal run when nothing critical is healable', async () => {
    const { calls, workflowId, result, client } = await runMonitor({
      counts: { findings: 2, alerts: 0, openFindings: 2, resolved: 1 },
      healthScore: 91,
      healRecommended: false,
    });
    expect(result).toMatchObject({ alerts: 0, healthScore: 91, selfHealWorkflowId: null });
    expect(calls.map((c) => c.activity)).toEqual(['openCycle', 'monitorHealth', 'sendAlerts', 'closeCycle']);
    await expect(client.workflow.getHandle(`self-heal-from-${workflowId}`).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
  });

  it('completes when its alert step fails: the deliveries wait for the next run', async () => {
    const { calls, result } = await runMonitor(
      { counts: { findings: 1, alerts: 1, openFindings: 1, resolved: 0 }, healthScore: 60, healRecommended: false },
      {
        sendAlerts: async () => {
          throw new NonRetryableError('slack refused the alert', 'http_404');
        },
      },
    );
    expect(result).toMatchObject({ kind: 'monitor', alerts: 1, healthScore: 60 });
    expect(calls.map((c) => c.activity)).toEqual(['openCycle', 'monitorHealth', 'closeCycle']);
    expect(calls.at(-1)!.arg).toMatchObject({ status: 'completed' });
  });
});
