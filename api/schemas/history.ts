// Responses of the history routes: the KPI/score trend over recent cycles and one cycle's findings and
// effects (what the dashboard's Overview sparklines and History view need beyond the cycle routes).
import { z } from 'zod';
import { CYCLE_KINDS, KPI_NAMES } from '../../engine/types';
import { FindingSchema, IsoDate, JsonRecord } from './common';

export const TrendQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(30).describe('How many recent cycles, 1..200'),
    kind: z.enum(CYCLE_KINDS).optional().describe('Only cycles of this kind (default: every kind that measured KPIs)'),
  })
  .strict();

export const TrendPointSchema = z.object({
  cycleId: z.string(),
  kind: z.string(),
  dryRun: z.boolean(),
  status: z.string(),
  startedAt: IsoDate,
  computedAt: IsoDate.describe('The logical now of the KPI windows'),
  healthScore: z.number().nullable(),
  alignmentScore: z.number().nullable(),
  kpis: z.array(
    z.object({
      name: z.enum(KPI_NAMES),
      value: z.number().nullable(),
      target: z.number(),
      status: z.enum(['ok', 'below_target', 'insufficient_data']),
    }),
  ),
});

export const TrendSchema = z
  .object({ items: z.array(TrendPointSchema).describe('Oldest first: cycles that measured KPIs or a health score') })
  .meta({ id: 'Trend' });

export const CycleFindingSchema = FindingSchema.extend({
  cycleEvidence: JsonRecord.describe('The evidence as this cycle saw it'),
});

export const EffectSchema = z.object({
  id: z.number().int(),
  actionId: z.string(),
  actionType: z.string(),
  port: z.string().describe('payments | messenger | data'),
  target: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  idempotencyKey: z.string(),
  request: z.unknown(),
  response: z.unknown().nullable(),
  createdAt: IsoDate,
  completedAt: IsoDate.nullable(),
});

export const CycleHistorySchema = z
  .object({
    cycleId: z.string(),
    findings: z.array(CycleFindingSchema).describe('Every finding this cycle detected, most severe first'),
    effects: z.array(EffectSchema).describe("Effects of this cycle's actions, oldest first"),
  })
  .meta({ id: 'CycleHistory' });
