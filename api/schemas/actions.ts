// Queries and responses of the actions routes.
import { z } from 'zod';
import { ACTION_TYPES } from '../../engine/types';
import { APPROVAL_STATUSES } from './approvals';

export { ACTION_TYPES };
import { ActionSchema, CycleIdParams, IsoDate, JsonRecord, LimitOffsetQuery } from './common';

export const ACTION_STATUSES = [
  'planned',
  'dry_run',
  'executed',
  'failed',
  'pending_approval',
  'approved',
  'rejected',
  'expired',
  'blocked',
  'recommended',
  'holdout',
  'shadowed',
] as const;

export const ListActionsQuery = LimitOffsetQuery.extend({
  status: z
    .enum([...ACTION_STATUSES, 'awaiting_approval'])
    .optional()
    .describe('`awaiting_approval` = pending_approval with its approval still open, nearest deadline first'),
  type: z.enum(ACTION_TYPES).optional(),
  phase: z.enum(['heal', 'optimize', 'prevent']).optional(),
  cycleId: CycleIdParams.shape.cycleId.optional(),
  dryRun: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
}).strict();

export const ActionListItemSchema = ActionSchema.extend({
  approvalDeadline: IsoDate.nullable().describe('When the approval expires (awaiting actions only)'),
}).meta({ id: 'ActionListItem' });

export const ActionPageSchema = z
  .object({
    items: z.array(ActionListItemSchema),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .meta({ id: 'ActionPage' });

export const GateDecisionSchema = z
  .object({ gate: z.string(), passed: z.boolean(), reason: z.string(), details: JsonRecord.optional() })
  .meta({ id: 'GateDecision' });

export const EffectSchema = z
  .object({
    idempotencyKey: z.string(),
    port: z.string(),
    target: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    request: JsonRecord,
    response: JsonRecord.nullable(),
    createdAt: IsoDate,
    completedAt: IsoDate.nullable(),
  })
  .meta({ id: 'Effect' });

export const ActionDetailSchema = ActionSchema.extend({
  gates: z.array(GateDecisionSchema).describe('Every gate the action passed or failed, in order'),
  approval: z
    .object({
      workflowId: z.string(),
      status: z.enum(APPROVAL_STATUSES),
      deadline: IsoDate,
      decidedBy: z.string().nullable(),
      reason: z.string().nullable(),
      decidedAt: IsoDate.nullable(),
    })
    .nullable(),
  effects: z.array(EffectSchema),
}).meta({ id: 'ActionDetail' });
