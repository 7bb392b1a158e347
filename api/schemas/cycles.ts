// Queries and responses of the cycle routes (docs/api.md contract for GET /cycles/:cycleId).
import { z } from 'zod';
import { CYCLE_KINDS, PHASES, TRIGGERS } from '../../engine/types';
import { ActionSchema, IsoDate, JsonRecord, LimitOffsetQuery } from './common';

export const CYCLE_STATUSES = ['running', 'completed', 'failed', 'canceled', 'terminated', 'timed_out'] as const;
export { CYCLE_KINDS, TRIGGERS };

export const ListCyclesQuery = LimitOffsetQuery.extend({
  status: z.enum(['running', 'completed', 'failed']).optional().describe('As recorded in engine.cycles'),
  kind: z.enum(CYCLE_KINDS).optional(),
  trigger: z.enum(TRIGGERS).optional(),
  dryRun: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  since: z.iso.datetime({ offset: true }).optional().describe('Started at or after (ISO 8601)'),
  until: z.iso.datetime({ offset: true }).optional().describe('Started before (ISO 8601)'),
  cursor: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, "a cursor from a previous page's nextCursor")
    .optional()
    .describe(
      'nextCursor of the previous page (keyset pagination: stable while new cycles start); offset is ignored with it',
    ),
}).strict();

const PhaseSchema = z.object({
  name: z.string(),
  status: z.string().describe('pending | running | completed | failed | skipped'),
  startedAt: IsoDate.nullable(),
  finishedAt: IsoDate.nullable(),
  counts: JsonRecord,
});

const CycleSummarySchema = z.object({
  cycleId: z.string(),
  kind: z.string(),
  trigger: z.string(),
  requestedBy: z.string().nullable(),
  dryRun: z.boolean(),
  status: z.string(),
  phases: z.array(z.string()),
  startedAt: IsoDate,
  finishedAt: IsoDate.nullable(),
  healthScore: z.number().nullable(),
  alignmentScore: z.number().nullable(),
  error: z.string().nullable(),
});

export const CycleListSchema = z
  .object({
    items: z.array(CycleSummarySchema),
    total: z.number().int().describe('Cycles matching the filters (all pages)'),
    limit: z.number().int(),
    offset: z.number().int(),
    nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
  })
  .meta({ id: 'CycleList' });

export const CycleDetailSchema = z
  .object({
    cycleId: z.string(),
    runId: z.string().nullable(),
    kind: z.string().nullable(),
    trigger: z.string().nullable(),
    requestedBy: z.string().nullable(),
    status: z.enum(CYCLE_STATUSES),
    statusSource: z.enum(['temporal', 'database']),
    dryRun: z.boolean().nullable(),
    phases: z.array(PhaseSchema),
    healthScore: z.number().nullable(),
    alignmentScore: z.number().nullable(),
    computedAt: IsoDate.nullable().describe('The logical now of the KPI windows'),
    startedAt: IsoDate.nullable(),
    finishedAt: IsoDate.nullable(),
    error: z.string().nullable(),
    summary: JsonRecord.nullable(),
    temporal: z
      .object({
        workflowType: z.string(),
        status: z.string(),
        historyLength: z.number().int(),
        uiUrl: z.string().nullable(),
      })
      .nullable()
      .describe('The workflow as Temporal sees it; null when Temporal does not know it or is unreachable'),
  })
  .meta({ id: 'CycleDetail' });

export const ProgressSchema = z
  .object({
    cycleId: z.string(),
    kind: z.string().nullable(),
    dryRun: z.boolean().nullable(),
    currentPhase: z.string().nullable(),
    phases: z.array(
      z.object({
        name: z.string(),
        status: z.string(),
        startedAt: IsoDate.nullish(),
        finishedAt: IsoDate.nullish(),
        counts: z.record(z.string(), z.unknown()).optional(),
      }),
    ),
    healthScore: z.number().nullable(),
    alignmentScore: z.number().nullable(),
    source: z
      .enum(['workflow', 'database', 'temporal'])
      .describe('workflow: the live progress query; database: engine.cycle_phases'),
  })
  .meta({ id: 'CycleProgress' });

export const CycleActionsQuery = LimitOffsetQuery.extend({
  status: z.string().max(40).optional(),
  phase: z.enum(PHASES).optional(),
}).strict();

export const ActionListSchema = z
  .object({ items: z.array(ActionSchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() })
  .meta({ id: 'ActionList' });

export const AuditQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    afterId: z.coerce.number().int().min(0).default(0).describe('Return entries with id > afterId (keyset pagination)'),
  })
  .strict();

export const AuditEntrySchema = z.object({
  id: z.number().int(),
  at: IsoDate,
  actor: z.string(),
  cycleId: z.string().nullable(),
  event: z.string(),
  target: z.string().nullable(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  dryRun: z.boolean(),
});

export const AuditListSchema = z
  .object({ items: z.array(AuditEntrySchema), nextAfterId: z.number().int().nullable() })
  .meta({ id: 'AuditList' });
