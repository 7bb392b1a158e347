// Queries and responses of /api/ml: feedback on the platform's ML suggestions (docs/learning.md).
import { z } from 'zod';
import { IsoDate } from './common';
import { IntervalSchema } from './interval';

export const MlScopeQuery = z
  .object({
    since: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('Only suggestions shown at or after this time (ISO 8601)'),
    modelVersion: z.string().min(1).max(100).optional().describe('Only suggestions of this model version'),
  })
  .strict();

export const OptimizeThresholdsQuery = MlScopeQuery.extend({
  dismissCost: z.coerce
    .number()
    .min(0)
    .max(1000)
    .optional()
    .describe('Cost of a shown suggestion the user dismisses (default: threshold ml.dismiss_cost, 0.5)'),
  appliedGain: z.coerce
    .number()
    .gt(0)
    .max(1000)
    .optional()
    .describe('Value of a shown suggestion the user applies (default: threshold ml.applied_gain, 1)'),
  minResolved: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000_000)
    .optional()
    .describe('No recommendation below this many resolved suggestions (default 100)'),
  currentThreshold: z.coerce
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe('Default: the versioned threshold ml.suggestion_threshold, if set'),
}).strict();

const num = z.number().nullable();

const BucketSchema = z.object({
  bucket: z.number().int(),
  low: z.number(),
  high: z.number(),
  label: z.string(),
  n: z.number().int(),
  applied: z.number().int(),
  dismissed: z.number().int(),
  adoptionRate: num,
  adoptionInterval: IntervalSchema.nullable().describe('95% Wilson interval'),
  meanConfidence: num,
  calibrationGap: num.describe('adoption − mean confidence: > 0 under-confident, < 0 over-confident'),
});

const ScopeSchema = z.object({ shownSince: IsoDate.nullable(), modelVersion: z.string().nullable(), until: IsoDate });

const CandidateSchema = z.object({
  threshold: z.number(),
  shown: z.number().int(),
  applied: z.number().int(),
  dismissed: z.number().int(),
  utility: z.number(),
  utilityPerSuggestion: z.number(),
  adoptionRate: num,
  precision: num.describe('Of the suggestions shown at this threshold, the share applied').optional(),
  coverage: num.describe('Of all applied suggestions, the share still shown at this threshold').optional(),
  shownShare: num.describe('Of all resolved suggestions, the share shown').optional(),
});

const Interval = IntervalSchema.nullable();

const GroupSchema = z.object({
  key: z.string(),
  resolved: z.number().int(),
  applied: z.number().int(),
  adoptionRate: num,
  adoptionInterval: Interval.describe('95% Wilson interval'),
  ece: num,
  brier: num,
  qualityScore: num,
  qualityInterval: Interval,
});

const BreakdownFields = {
  byModelVersion: z.array(GroupSchema).describe('The same figures per model version, largest first'),
  byKind: z.array(GroupSchema).describe('The same figures per suggestion kind, largest first'),
};

const TrendPointSchema = z.object({
  cycleId: z.string(),
  computedAt: IsoDate,
  resolved: z.number().int(),
  adoptionRate: num,
  ece: num,
  brier: num,
  qualityScore: num,
  recommendedThreshold: num,
});

export const MlFeedbackSchema = z
  .object({
    computedAt: IsoDate,
    scope: ScopeSchema,
    resolved: z.number().int(),
    applied: z.number().int(),
    dismissed: z.number().int(),
    adoptionRate: num,
    invalidConfidence: z.number().int().describe('Resolved suggestions left out: confidence outside [0, 1]'),
    buckets: z.array(BucketSchema).describe('Adoption by confidence decile'),
    ...BreakdownFields,
  })
  .meta({ id: 'MlFeedback' });

export const MlQualitySchema = z
  .object({
    computedAt: IsoDate,
    scope: ScopeSchema,
    resolved: z.number().int(),
    quality: z.object({
      score: num.describe('mean confidence of applied − of dismissed'),
      interval: Interval.describe('95% interval of the score (Welch)'),
      meanConfidenceApplied: num,
      meanConfidenceDismissed: num,
    }),
    calibration: z.object({
      ece: num.describe('Expected calibration error over deciles'),
      brier: num,
      brierReference: num.describe('Brier of always predicting the base rate'),
    }),
    reliability: z.array(
      z.object({
        label: z.string(),
        n: z.number().int(),
        meanConfidence: num,
        adoptionRate: num,
        adoptionInterval: Interval,
        calibrationGap: num,
      }),
    ),
    ...BreakdownFields,
    trend: z.array(TrendPointSchema).describe("The learn phase's figures of recent cycles, newest first"),
  })
  .meta({ id: 'MlSuggestionQuality' });

export const MlThresholdsSchema = z
  .object({
    computedAt: IsoDate,
    scope: ScopeSchema,
    currentThreshold: num.describe('The threshold evaluated as current (query, else ml.suggestion_threshold)'),
    recommended: num.describe('null below minResolved'),
    reason: z.string(),
    dismissCost: z.number(),
    appliedGain: z.number(),
    breakEvenConfidence: z.number(),
    expectedChange: z
      .object({ utility: z.number(), precision: num, coverage: num, shown: z.number().int() })
      .nullable()
      .describe('Recommended minus current threshold; null without a recommendation or a current threshold'),
    minResolved: z.number().int(),
    sampleSize: z.number().int(),
    utility: z.object({ applied: z.number(), dismissed: z.number(), notShown: z.number(), description: z.string() }),
    candidates: z.array(CandidateSchema),
    current: CandidateSchema.nullable(),
    recommendedCandidate: CandidateSchema.nullable(),
    proposal: z
      .object({
        kind: z.string(),
        title: z.string(),
        rationale: z.string(),
        confidence: z.number(),
        payload: z.record(z.string(), z.unknown()),
      })
      .describe('The decision the decide phase would record: a proposal only, applied by an admin through the gates'),
  })
  .meta({ id: 'MlThresholdRecommendation' });
