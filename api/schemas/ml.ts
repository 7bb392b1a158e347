// Queries and responses of /api/ml: feedback on the platform's ML suggestions (DESIGN.md §8).
import { z } from 'zod';
import { IsoDate } from './common';

export const MlScopeQuery = z
  .object({
    since: z.iso.datetime({ offset: true }).optional().describe('Only suggestions shown at or after this time (ISO 8601)'),
    modelVersion: z.string().min(1).max(100).optional().describe('Only suggestions of this model version'),
  })
  .strict();

export const OptimizeThresholdsQuery = MlScopeQuery.extend({
  dismissCost: z.coerce.number().min(0).max(100).optional().describe('Cost of a dismissed suggestion relative to +1 for an applied one (default 0.5)'),
  minResolved: z.coerce.number().int().min(0).max(1_000_000_000).optional().describe('No recommendation below this many resolved suggestions (default 100)'),
  currentThreshold: z.coerce.number().min(0).max(1).optional().describe('Default: the versioned threshold ml.suggestion_threshold, if set'),
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
  adoptionInterval: z.tuple([z.number(), z.number()]).nullable(),
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
  })
  .meta({ id: 'MlFeedback' });

export const MlQualitySchema = z
  .object({
    computedAt: IsoDate,
    scope: ScopeSchema,
    resolved: z.number().int(),
    quality: z.object({ score: num.describe('mean confidence of applied − of dismissed'), meanConfidenceApplied: num, meanConfidenceDismissed: num }),
    calibration: z.object({ ece: num.describe('Expected calibration error over deciles'), brier: num, brierReference: num.describe('Brier of always predicting the base rate') }),
    reliability: z.array(z.object({ label: z.string(), n: z.number().int(), meanConfidence: num, adoptionRate: num, calibrationGap: num })),
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
    breakEvenConfidence: z.number(),
    minResolved: z.number().int(),
    sampleSize: z.number().int(),
    utility: z.object({ applied: z.number(), dismissed: z.number(), notShown: z.number(), description: z.string() }),
    candidates: z.array(CandidateSchema),
    current: CandidateSchema.nullable(),
    recommendedCandidate: CandidateSchema.nullable(),
    proposal: z
      .object({ kind: z.string(), title: z.string(), rationale: z.string(), confidence: z.number(), payload: z.record(z.string(), z.unknown()) })
      .describe('The decision the decide phase would record: a proposal only, applied by an admin through the gates'),
  })
  .meta({ id: 'MlThresholdRecommendation' });
