// Params, bodies and responses of the autonomy ladder routes (engine/autonomy, docs/safety.md#autonomy-ladder).
import { z } from 'zod';
import { AUTONOMY_LEVELS } from '../../engine/autonomy/levels';
import { ACTION_TYPES } from '../../engine/types';
import { IsoDate, JsonRecord } from './common';

export const AutonomyTypeParams = z.object({ actionType: z.enum(ACTION_TYPES).describe('An action type') });

export const PinLevelBody = z.strictObject(
  {
    level: z
      .enum(AUTONOMY_LEVELS)
      .nullable()
      .describe('The level to pin the type at (the ladder then never moves it); null unpins'),
    reason: z
      .string()
      .trim()
      .min(3, 'reason must say why, in at least 3 characters')
      .max(2000)
      .describe('Why: stored on the level and in the audit log'),
  },
  {
    error: (issue: { input?: unknown }) =>
      issue.input == null ? 'a JSON body {"level": "approval" | null, "reason": "..."} is required' : undefined,
  },
);

export const AutonomyLevelSchema = z
  .object({
    actionType: z.string(),
    level: z.enum(AUTONOMY_LEVELS).describe('The level the gates use now'),
    storedLevel: z.enum(AUTONOMY_LEVELS).nullable().describe('The stored level; null when the type has no row yet'),
    definitionVersion: z.number().int().nullable().describe('The definition version the level was reached at'),
    currentDefinitionVersion: z.number().int().describe('The type’s definition version in this engine'),
    pinned: z.boolean(),
    pinnedBy: z.string().nullable(),
    pinnedReason: z.string().nullable(),
    pinnedAt: IsoDate.nullable(),
    levelSince: IsoDate.nullable(),
    reason: z.string().describe('Why it is at this level'),
    nextStep: z.string().nullable().describe('What would move it next (the last evaluation)'),
    evidence: JsonRecord.describe(
      'The last evaluation: shadow decisions, measured outcomes, uplift with its 95% interval, sample-ratio check',
    ),
    evaluatedAt: IsoDate.nullable(),
  })
  .meta({ id: 'AutonomyLevel' });

export const AutonomyListSchema = z.object({ items: z.array(AutonomyLevelSchema) }).meta({ id: 'AutonomyList' });

export const PinLevelResponse = z
  .object({ before: AutonomyLevelSchema.nullable(), after: AutonomyLevelSchema })
  .meta({ id: 'AutonomyPin' });
