// Params, bodies and responses of the autonomy ladder routes (engine/autonomy, docs/safety.md#autonomy-ladder).
import { z } from 'zod';
import { AUTONOMY_LEVELS } from '../../engine/autonomy/levels';
import { GUARDRAIL_METRICS } from '../../engine/guardrails/metrics';
import { ACTION_TYPES } from '../../engine/types';
import { IsoDate, JsonRecord } from './common';
import { IntervalSchema } from './interval';

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

const GuardrailArmSchema = z
  .object({
    actions: z.number().int().describe('Live actions whose outcome window closed'),
    users: z.number().int().describe('Distinct users among them'),
    affected: z.number().int().describe('Actions with the event in their window: the numerator of the rate'),
    events: z.number().int().describe('Events in all windows'),
    rate: z.number().nullable().describe('affected / actions; null without actions'),
  })
  .meta({ id: 'GuardrailArm' });

export const GuardrailMetricSchema = z
  .object({
    metric: z.enum(GUARDRAIL_METRICS),
    verdict: z
      .enum(['ok', 'inconclusive', 'breach_minor', 'breach_major'])
      .describe('inconclusive = not enough evidence either way: shown, never acted on'),
    action: z
      .enum(['pause', 'cancel_and_demote'])
      .nullable()
      .describe("What the verdict calls for: 'pause' (minor breach), 'cancel_and_demote' (major); null = nothing"),
    severity: z.enum(['minor', 'major']).describe("The policy's severity of the metric"),
    margin: z.number().describe('Harm (rate difference) whose credible excess makes even a minor metric major'),
    treated: GuardrailArmSchema,
    holdout: GuardrailArmSchema,
    difference: z.number().nullable().describe('Treated rate − holdout rate (positive = worse among the treated)'),
    pValue: z.number().describe('Always-valid mSPRT p-value: the minimum over every look'),
    interval: IntervalSchema.nullable().describe(
      'Always-valid (1 − alpha) interval for the difference; null when inconclusive',
    ),
    alpha: z.number(),
    reason: z.string(),
    looks: z.number().int().describe('Learn phases that looked at it'),
    evaluatedAt: IsoDate,
  })
  .meta({ id: 'GuardrailMetric' });

export const GuardrailsSchema = z
  .object({
    action: z.enum(['pause', 'cancel_and_demote']).nullable().describe("The type's action: its worst breach"),
    reason: z.string().nullable(),
    metrics: z.array(GuardrailMetricSchema),
  })
  .meta({ id: 'Guardrails', description: "A message type's guardrails: treated vs holdout, always-valid test" });

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
    guardrails: GuardrailsSchema.nullable().describe(
      'The latest guardrail results of a message type (null for other types, or before the first learn phase)',
    ),
  })
  .meta({ id: 'AutonomyLevel' });

export const AutonomyListSchema = z.object({ items: z.array(AutonomyLevelSchema) }).meta({ id: 'AutonomyList' });

export const PinLevelResponse = z
  .object({ before: AutonomyLevelSchema.nullable(), after: AutonomyLevelSchema })
  .meta({ id: 'AutonomyPin' });
