// Responses of the state routes: system-state (docs/api.md contract), decisions, learning and
// optimization opportunities.
import { z } from 'zod';
import { KPI_NAMES } from '../../engine/types';
import { ActionSchema, FindingSchema, IsoDate, JsonRecord } from './common';
import { IntervalSchema } from './interval';

export const KpiSchema = z
  .object({
    name: z.enum(KPI_NAMES),
    value: z.number().nullable(),
    target: z.number(),
    sampleSize: z.number().int(),
    interval: IntervalSchema.nullable().describe('95% interval (Wilson for rates)'),
    status: z.enum(['ok', 'below_target', 'insufficient_data']),
    details: JsonRecord,
  })
  .meta({ id: 'Kpi' });

export const SystemStateSchema = z
  .object({
    cycleId: z.string().describe('The latest cycle that completed its analyze phase'),
    kind: z.string(),
    dryRun: z.boolean(),
    cycleStatus: z.string(),
    computedAt: IsoDate.describe('The logical now of the KPI windows (docs/kpis.md)'),
    healthScore: z.number().nullable(),
    alignmentScore: z.number().nullable(),
    kpis: z.array(KpiSchema),
    issues: z.array(FindingSchema).describe('Open issue findings'),
    opportunities: z.array(FindingSchema).describe('Open opportunity findings'),
    recommendations: z
      .array(ActionSchema)
      .describe("That cycle's recommendation-mode actions and actions awaiting approval, most confident first"),
    recommendationsTotal: z.number().int(),
  })
  .meta({ id: 'SystemState' });

export const DecisionsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    kind: z
      .string()
      .min(1)
      .max(60)
      .optional()
      .describe('resource_allocation | feature_prioritization | pricing | ml_threshold'),
  })
  .strict();

export const DecisionSchema = z.object({
  id: z.number().int(),
  cycleId: z.string(),
  kind: z.string(),
  title: z.string(),
  rationale: z.string(),
  confidence: z.number(),
  payload: z.unknown(),
  createdAt: IsoDate,
});

export const DecisionListSchema = z.object({ items: z.array(DecisionSchema) }).meta({ id: 'DecisionList' });

export const ActionStatSchema = z.object({
  actionType: z.string(),
  alpha: z.number(),
  beta: z.number(),
  successes: z.number().int(),
  failures: z.number().int(),
  mean: z.number().describe('Posterior mean success rate'),
  lowerBound: z.number().describe('5% quantile of the posterior (lower end of the 90% credible interval)'),
  holdoutSuccesses: z.number().int().describe('Measured successes of held-out (control) targets'),
  holdoutFailures: z.number().int(),
  uplift: z
    .object({
      treated: z.object({ n: z.number().int(), successes: z.number().int(), rate: z.number().nullable() }),
      holdout: z.object({ n: z.number().int(), successes: z.number().int(), rate: z.number().nullable() }),
      uplift: z.number().nullable().describe('Treated − holdout success rate (measured outcomes only, no prior)'),
      interval: IntervalSchema.nullable().describe('95% Newcombe interval; null below 20 outcomes in either group'),
      credibleHarm: z.boolean(),
      credibleBenefit: z.boolean(),
      trustworthy: z
        .boolean()
        .describe('false when the last learn phase found a sample-ratio mismatch in this holdout: do not act on it'),
      srm: z
        .object({
          status: z.enum(['healthy', 'mismatch', 'insufficient']),
          observed: z.object({ treated: z.number().int(), holdout: z.number().int() }),
          expected: z.object({ treated: z.number(), holdout: z.number() }),
          expectedHoldoutShare: z.number(),
          chiSquare: z.number().nullable(),
          pValue: z.number().nullable(),
          threshold: z.number(),
        })
        .nullable()
        .describe('The last learn phase’s sample-ratio check of this holdout (chi-square, 1 df); null before one ran'),
    })
    .nullable()
    .describe('Effectiveness over the holdout; null for types whose outcome is not measured'),
  segments: z
    .array(
      z.object({
        segment: z.string().describe('new (signed up < 30 days before) or established'),
        successes: z.number().int(),
        failures: z.number().int(),
        alpha: z.number(),
        beta: z.number(),
        mean: z.number(),
        lowerBound: z.number(),
        usedByGates: z.boolean().describe('At least 30 outcomes: the gates use this posterior for the segment'),
      }),
    )
    .describe('Per-segment posteriors from measured treated outcomes (Beta(1,1) prior)'),
  demoted: z.boolean().describe('Runs only with approval: its uplift was credibly negative'),
  demotedReason: z.string().nullable(),
  updatedAt: IsoDate,
});

export const LearningSchema = z
  .object({
    learnings: z.array(
      z.object({
        id: z.number().int(),
        cycleId: z.string(),
        kind: z.string(),
        payload: z.unknown(),
        createdAt: IsoDate,
      }),
    ),
    actionStats: z.array(ActionStatSchema),
  })
  .meta({ id: 'Learning' });

export const OpportunitiesSchema = z
  .object({
    opportunities: z.array(FindingSchema),
    cycleId: z.string().nullable().describe('The latest cycle that completed its optimize phase'),
    plannedActions: z.array(ActionSchema),
    plannedActionsTotal: z.number().int(),
  })
  .meta({ id: 'OptimizationOpportunities' });
