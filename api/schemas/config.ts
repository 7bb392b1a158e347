// Params, bodies and responses of the versioned configuration routes (thresholds and policies).
import { z } from 'zod';
import { POLICY_NAMES, THRESHOLD_NAMES } from '../../db/repos/config';
import { IsoDate } from './common';

export const ConfigNameParams = z.object({ name: z.string().min(1).max(100) });

const reason = z
  .string()
  .trim()
  .min(3, 'reason must say why, in at least 3 characters')
  .max(2000)
  .describe('Why: stored with the new version and in the audit log');

const bodyRequired = {
  error: (issue: { input?: unknown }) =>
    issue.input == null ? 'a JSON body {"value": ..., "reason": "..."} is required' : undefined,
};

export const SetThresholdBody = z.strictObject(
  {
    value: z.number().describe(`The new value; each threshold has its own range (${THRESHOLD_NAMES.join(', ')})`),
    reason,
  },
  bodyRequired,
);

export const SetPolicyBody = z.strictObject(
  {
    value: z
      .record(z.string(), z.unknown())
      .describe(`The whole new value of the policy (${POLICY_NAMES.join(', ')}); e.g. live_mode: {"enabled": true}`),
    reason,
  },
  bodyRequired,
);

export const ConfigEntrySchema = z
  .object({
    kind: z.enum(['threshold', 'policy']),
    name: z.string(),
    version: z.number().int().nullable().describe('null: never set (the engine uses its built-in default)'),
    value: z.unknown(),
    changedBy: z.string().nullable(),
    reason: z.string().nullable(),
    createdAt: IsoDate.nullable(),
    description: z.string().nullable(),
  })
  .meta({ id: 'ConfigEntry' });

export const ThresholdListSchema = z.object({ items: z.array(ConfigEntrySchema) }).meta({ id: 'ThresholdList' });

export const PolicyListSchema = z
  .object({
    liveMode: z.boolean().describe('Whether schedules and the monitor run live (policy live_mode)'),
    killSwitch: z.boolean().describe('Whether every effect is blocked (policy kill_switch)'),
    items: z.array(ConfigEntrySchema),
  })
  .meta({ id: 'PolicyList' });

export const ConfigHistorySchema = z
  .object({ current: ConfigEntrySchema, versions: z.array(ConfigEntrySchema).describe('Every version, newest first') })
  .meta({ id: 'ConfigHistory' });

export const ConfigChangeSchema = z
  .object({ entry: ConfigEntrySchema, previous: ConfigEntrySchema.nullable() })
  .meta({ id: 'ConfigChange' });
