// The engine's Temporal schedules (the 4-hourly cycle, the hourly monitor, the every-minute outbox relay): list
// them, and pause, unpause or trigger one (admin). Only the engine's own schedule ids are reachable here.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import { appendAudit } from '../../db/repos/audit';
import { SCHEDULE_IDS } from '../../workflows/definitions';
import { requireRole } from '../plugins/auth';
import { notFound } from '../problem';
import { problems } from '../schemas/common';
import { getCurrentConfig, setPolicy } from '../../db/repos/config';
import {
  LiveModeBody,
  LiveModeSchema,
  ScheduleListSchema,
  ScheduleOpBody,
  ScheduleOpResultSchema,
  ScheduleParams,
} from '../schemas/schedules';

const KNOWN_IDS: readonly string[] = Object.values(SCHEDULE_IDS);
const DEADLINE_MS = 10_000;

function toDto(scheduleId: string, d: ScheduleDescription | null) {
  if (!d) {
    return {
      scheduleId,
      exists: false,
      paused: null,
      note: null,
      workflowType: null,
      nextActionTimes: [],
      recentActions: [],
      runningWorkflowIds: [],
      numActionsTaken: null,
    };
  }
  return {
    scheduleId,
    exists: true,
    paused: d.state.paused,
    note: d.state.note ?? null,
    workflowType: d.action.type === 'startWorkflow' ? d.action.workflowType : null,
    nextActionTimes: d.info.nextActionTimes.slice(0, 5).map((t) => t.toISOString()),
    recentActions: d.info.recentActions.slice(-10).map((a) => ({
      scheduledAt: a.scheduledAt.toISOString(),
      takenAt: a.takenAt.toISOString(),
      workflowId: a.action.workflow.workflowId,
    })),
    runningWorkflowIds: d.info.runningActions.map((a) => a.workflow.workflowId),
    numActionsTaken: d.info.numActionsTaken,
  };
}

async function describeOrNull(client: Client, scheduleId: string): Promise<ScheduleDescription | null> {
  try {
    return await client.withDeadline(Date.now() + DEADLINE_MS, () => client.schedule.getHandle(scheduleId).describe());
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
}

export const scheduleRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/schedules',
    {
      onRequest: requireRole('viewer'),
      schema: {
        tags: ['schedules'],
        summary: "The engine's schedules",
        description: `${KNOWN_IDS.join(' and ')}: paused or not, next and recent runs. Role: viewer.`,
        response: { 200: ScheduleListSchema, ...problems(403) },
      },
    },
    async () => {
      const { client } = app.temporal;
      const items = await Promise.all(KNOWN_IDS.map(async (id) => toDto(id, await describeOrNull(client, id))));
      return { items };
    },
  );

  for (const operation of ['pause', 'unpause', 'trigger'] as const) {
    app.post(
      `/schedules/:scheduleId/${operation}`,
      {
        onRequest: requireRole('admin'),
        schema: {
          tags: ['schedules'],
          summary: `${operation[0]!.toUpperCase()}${operation.slice(1)} a schedule`,
          description:
            (operation === 'trigger'
              ? "Starts the scheduled workflow now (the schedule's overlap policy applies). "
              : `${operation === 'pause' ? 'Pauses' : 'Resumes'} the schedule. `) +
            `Only ${KNOWN_IDS.join(', ')}; 404 otherwise. Role: admin.`,
          params: ScheduleParams,
          body: ScheduleOpBody,
          response: { 200: ScheduleOpResultSchema, ...problems(403, 404) },
        },
      },
      async (request) => {
        const { scheduleId } = request.params;
        if (!KNOWN_IDS.includes(scheduleId)) {
          throw notFound(
            `Unknown schedule '${scheduleId}': the engine's schedules are ${KNOWN_IDS.join(', ')}.`,
            'schedule-not-found',
          );
        }
        const actor = request.principal!.name;
        const note = request.body?.note ?? `${operation}d by ${actor} via the api`;
        const { client } = app.temporal;
        const handle = client.schedule.getHandle(scheduleId);
        const before = await describeOrNull(client, scheduleId);
        if (!before) {
          throw notFound(
            `The schedule '${scheduleId}' does not exist in Temporal yet: the worker creates it when it starts.`,
            'schedule-not-found',
          );
        }
        await client.withDeadline(Date.now() + DEADLINE_MS, () =>
          operation === 'pause'
            ? handle.pause(note)
            : operation === 'unpause'
              ? handle.unpause(note)
              : handle.trigger(),
        );
        const after = await describeOrNull(client, scheduleId);
        await appendAudit(app.knex, {
          actor,
          cycleId: null,
          event: `schedule.${operation}`,
          target: `schedule:${scheduleId}`,
          before: { paused: before.state.paused, note: before.state.note ?? null },
          after: {
            paused: after?.state.paused ?? null,
            note: after?.state.note ?? null,
            ...(operation === 'trigger' ? { triggered: true } : {}),
          },
          dryRun: false,
        });
        request.log.info({ scheduleId, operation, actor }, 'schedule operation');
        return { scheduleId, operation, schedule: toDto(scheduleId, after) };
      },
    );
  }

  async function liveMode() {
    const entry = (await getCurrentConfig(app.knex)).policies.find((e) => e.name === 'live_mode');
    const value = entry?.value as { enabled?: boolean } | undefined;
    return {
      enabled: value?.enabled === true,
      version: entry?.version ?? null,
      changedBy: entry?.changedBy ?? null,
      reason: entry?.reason ?? null,
      changedAt: entry?.createdAt ?? null,
    };
  }

  app.get(
    '/schedules/live-mode',
    {
      onRequest: requireRole('viewer'),
      schema: {
        tags: ['schedules'],
        summary: 'Whether scheduled cycles run live',
        description: 'The policy `live_mode`: off (dry-run) until an admin enables it. Role: viewer.',
        response: { 200: LiveModeSchema, ...problems(403) },
      },
    },
    liveMode,
  );

  app.put(
    '/schedules/live-mode',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['schedules'],
        summary: 'Enable or disable live mode for the schedules',
        description:
          "Stores a new version of the policy `live_mode` with the admin's key name and reason (audited). The schedules start dry-run " +
          'cycles until it is enabled; cycles started through the api keep their own dryRun flag. Role: admin.',
        body: LiveModeBody,
        response: { 200: LiveModeSchema, ...problems(403) },
      },
    },
    async (request) => {
      const { enabled, reason } = request.body;
      await setPolicy(app.knex, 'live_mode', { enabled }, request.principal!.name, reason);
      request.log.warn({ enabled, by: request.principal!.name }, 'live mode changed');
      return liveMode();
    },
  );
};
