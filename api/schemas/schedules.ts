// Params, bodies and responses of the schedule routes.
import { z } from 'zod';
import { IsoDate } from './common';

export const ScheduleParams = z.object({ scheduleId: z.string().min(1).max(200) });

export const ScheduleOpBody = z
  .strictObject({
    note: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .optional()
      .describe("Why; stored as the schedule's note and in the audit log"),
  })
  .nullish();

export const ScheduleSchema = z
  .object({
    scheduleId: z.string(),
    exists: z.boolean().describe('false until the worker has created the schedule'),
    paused: z.boolean().nullable(),
    note: z.string().nullable(),
    workflowType: z.string().nullable(),
    nextActionTimes: z.array(IsoDate),
    recentActions: z.array(z.object({ scheduledAt: IsoDate, takenAt: IsoDate, workflowId: z.string() })),
    runningWorkflowIds: z.array(z.string()),
    numActionsTaken: z.number().int().nullable(),
  })
  .meta({ id: 'Schedule' });

export const ScheduleListSchema = z.object({ items: z.array(ScheduleSchema) }).meta({ id: 'ScheduleList' });

export const ScheduleOpResultSchema = z
  .object({ scheduleId: z.string(), operation: z.enum(['pause', 'unpause', 'trigger']), schedule: ScheduleSchema })
  .meta({ id: 'ScheduleOperationResult' });

export const LiveModeBody = z
  .strictObject(
    {
      enabled: z
        .boolean({ error: 'enabled must be true or false' })
        .describe('true: scheduled cycles run live (their effects change app data)'),
      reason: z.string().trim().min(3, 'reason must say why, in at least 3 characters').max(2000),
    },
    {
      error: (issue) =>
        issue.input == null ? 'a JSON body {"enabled": true|false, "reason": "..."} is required' : undefined,
    },
  )
  .meta({ id: 'LiveModeChange' });

export const LiveModeSchema = z
  .object({
    enabled: z.boolean(),
    version: z
      .number()
      .int()
      .nullable()
      .describe('Version of the live_mode policy in force; null = never set (default: off)'),
    changedBy: z.string().nullable(),
    reason: z.string().nullable(),
    changedAt: IsoDate.nullable(),
  })
  .meta({ id: 'LiveMode' });
