// /api/ml: how users respond to the platform's ML suggestions, computed now from app.suggestions by
// db/queries/learning.ts (adoption by confidence, calibration and quality, the utility-maximizing
// display threshold). Read-only: a threshold change is only ever proposed here.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { suggestionFeedback } from '../../db/queries/learning';
import { suggestionBreakdown } from '../../db/queries/suggestion-breakdown';
import { getThresholds, latestThresholdValue } from '../../db/repos/config';
import { learningHistory } from '../../db/repos/learning';
import type { SuggestionAnalysis } from '../../engine/learning/suggestions';
import type { SuggestionGroupSummary } from '../../db/queries/suggestion-breakdown';
import { decideMlThreshold, ML_THRESHOLD_NAME } from '../../engine/decide/ml-threshold';
import { requireRole } from '../plugins/auth';
import { problems } from '../schemas/common';
import { toIntervalDto } from '../schemas/interval';
import {
  MlFeedbackSchema,
  MlQualitySchema,
  MlScopeQuery,
  MlThresholdsSchema,
  OptimizeThresholdsQuery,
} from '../schemas/ml';

/** A breakdown group with its intervals in the api's { low, high } form. */
function groupDto(g: SuggestionGroupSummary) {
  return {
    ...g,
    adoptionInterval: toIntervalDto(g.adoptionInterval),
    qualityInterval: toIntervalDto(g.qualityInterval),
  };
}

function scopeOf(q: { since?: string; modelVersion?: string }) {
  return { shownSince: q.since ? new Date(q.since) : null, modelVersion: q.modelVersion ?? null };
}

export const mlRoutes: FastifyPluginAsyncZod = async (app) => {
  const viewer = { onRequest: requireRole('viewer') };

  /** By model version and kind; a modelVersion filter narrows nothing here (each version is its own row). */
  const breakdownOf = async (now: Date, q: { since?: string }) => {
    const b = await suggestionBreakdown(app.knex, now, { shownSince: q.since ? new Date(q.since) : undefined });
    return { byModelVersion: b.byModelVersion.map(groupDto), byKind: b.byKind.map(groupDto) };
  };

  app.get(
    '/feedback',
    {
      ...viewer,
      schema: {
        tags: ['ml'],
        summary: 'Suggestion adoption by confidence',
        description:
          'Resolved suggestions (applied or dismissed) and adoption per confidence decile with Wilson intervals. Role: viewer.',
        querystring: MlScopeQuery,
        response: { 200: MlFeedbackSchema, ...problems(403) },
      },
    },
    async (request) => {
      const now = new Date();
      const [a, breakdown] = await Promise.all([
        suggestionFeedback(app.knex, now, scopeOf(request.query)),
        breakdownOf(now, request.query),
      ]);
      return {
        ...breakdown,
        computedAt: now.toISOString(),
        scope: a.scope,
        resolved: a.resolved,
        applied: a.applied,
        dismissed: a.dismissed,
        adoptionRate: a.adoptionRate,
        invalidConfidence: a.invalidConfidence,
        buckets: a.buckets.map((b) => ({ ...b, adoptionInterval: toIntervalDto(b.adoptionInterval) })),
      };
    },
  );

  app.get(
    '/suggestion-quality',
    {
      ...viewer,
      schema: {
        tags: ['ml'],
        summary: 'Suggestion quality and calibration',
        description:
          'Quality score (mean confidence of applied − of dismissed), ECE, Brier score and reliability per decile. Role: viewer.',
        querystring: MlScopeQuery,
        response: { 200: MlQualitySchema, ...problems(403) },
      },
    },
    async (request) => {
      const now = new Date();
      const [a, breakdown, history] = await Promise.all([
        suggestionFeedback(app.knex, now, scopeOf(request.query)),
        breakdownOf(now, request.query),
        learningHistory(app.knex, 'suggestion_feedback', 30),
      ]);
      return {
        ...breakdown,
        computedAt: now.toISOString(),
        scope: a.scope,
        resolved: a.resolved,
        quality: { ...a.quality, interval: toIntervalDto(a.quality.interval) },
        calibration: a.calibration,
        reliability: a.buckets.map((b) => ({
          label: b.label,
          n: b.n,
          meanConfidence: b.meanConfidence,
          adoptionRate: b.adoptionRate,
          adoptionInterval: toIntervalDto(b.adoptionInterval),
          calibrationGap: b.calibrationGap,
        })),
        trend: history.map((h) => {
          const p = h.payload as Partial<SuggestionAnalysis>;
          return {
            cycleId: h.cycleId,
            computedAt: h.createdAt,
            resolved: p.resolved ?? 0,
            adoptionRate: p.adoptionRate ?? null,
            ece: p.calibration?.ece ?? null,
            brier: p.calibration?.brier ?? null,
            qualityScore: p.quality?.score ?? null,
            recommendedThreshold: p.threshold?.recommended ?? null,
          };
        }),
      };
    },
  );

  app.get(
    '/optimize-thresholds',
    {
      ...viewer,
      schema: {
        tags: ['ml'],
        summary: 'Recommended suggestion confidence threshold',
        description:
          "The display threshold that maximizes expected utility over the observed suggestions, every candidate's utility, and the " +
          'decision the engine would propose. Nothing is changed. Role: viewer.',
        querystring: OptimizeThresholdsQuery,
        response: { 200: MlThresholdsSchema, ...problems(403) },
      },
    },
    async (request) => {
      const q = request.query;
      const now = new Date();
      const currentThreshold = q.currentThreshold ?? (await latestThresholdValue(app.knex, ML_THRESHOLD_NAME));
      const weights = await getThresholds(app.knex);
      const a = await suggestionFeedback(app.knex, now, {
        ...scopeOf(q),
        dismissCost: q.dismissCost ?? weights['ml.dismiss_cost'],
        appliedGain: q.appliedGain ?? weights['ml.applied_gain'],
        minResolved: q.minResolved,
        currentThreshold,
      });
      const t = a.threshold;
      return {
        computedAt: now.toISOString(),
        scope: a.scope,
        currentThreshold,
        recommended: t.recommended,
        reason: t.reason,
        dismissCost: t.dismissCost,
        appliedGain: t.appliedGain,
        expectedChange: t.expectedChange,
        breakEvenConfidence: t.breakEvenConfidence,
        minResolved: t.minResolved,
        sampleSize: t.sampleSize,
        utility: t.utility,
        candidates: t.candidates,
        current: t.current,
        recommendedCandidate: t.recommendedCandidate,
        proposal: decideMlThreshold(a),
      };
    },
  );
};
