// Params, bodies and responses of the change-freeze routes (docs/safety.md#change-freezes).
import { z } from 'zod';
import { FreezeWindowInputSchema } from '../../engine/safety/change-freeze';
import { IsoDate } from './common';

export { FreezeWindowInputSchema };

export const FreezeIdParams = z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });

export const FreezesQuery = z.object({
  horizonDays: z.coerce
    .number()
    .int()
    .min(1)
    .max(366)
    .default(30)
    .describe('How far ahead `upcoming` lists occurrences, in days'),
});

export const ChangeFreezeSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    reason: z.string(),
    kind: z.enum(['one_off', 'recurring']),
    timezone: z.string().describe('IANA zone: a recurring cron is read in it, and times are shown in it'),
    startsAt: IsoDate.nullable().describe('one_off: when it starts'),
    endsAt: IsoDate.nullable().describe('one_off: when it ends (exclusive)'),
    cron: z.string().nullable().describe('recurring: five-field cron of each start, local time'),
    durationMinutes: z.number().int().nullable().describe('recurring: elapsed minutes each occurrence lasts'),
    createdBy: z.string(),
    createdAt: IsoDate,
    deletedAt: IsoDate.nullable(),
    deletedBy: z.string().nullable(),
  })
  .meta({ id: 'ChangeFreeze' });

export const ActiveFreezeSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    reason: z.string(),
    timezone: z.string(),
    endsAt: IsoDate.describe('When effects may run again (overlapping and back-to-back windows chained)'),
    endsAtLocal: z.string().describe('endsAt in the window\'s zone, e.g. "2026-11-30 06:00 -05:00"'),
    message: z.string().describe('The line blocked actions and the dashboard banner show'),
  })
  .meta({ id: 'ActiveFreeze' });

export const FreezeOccurrenceSchema = z
  .object({
    id: z.number().int().describe('The window'),
    name: z.string(),
    timezone: z.string(),
    startsAt: IsoDate,
    endsAt: IsoDate,
    active: z.boolean().describe('In force now'),
  })
  .meta({ id: 'FreezeOccurrence' });

export const FreezeListSchema = z
  .object({
    now: IsoDate,
    active: ActiveFreezeSchema.nullable().describe('The freeze in force now, or null'),
    items: z.array(ChangeFreezeSchema).describe('Every window not removed, oldest first'),
    upcoming: z.array(FreezeOccurrenceSchema).describe('Occurrences in force now or starting within the horizon'),
  })
  .meta({ id: 'FreezeList' });

export const FreezeItemSchema = z.object({ item: ChangeFreezeSchema }).meta({ id: 'ChangeFreezeItem' });
