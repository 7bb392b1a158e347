// Queries and responses of the findings routes.
import { z } from 'zod';
import { FindingSchema, LimitOffsetQuery } from './common';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;

export const ListFindingsQuery = LimitOffsetQuery.extend({
  status: z.enum(['open', 'resolved', 'all']).default('open').describe('Default open; `all` for every status'),
  category: z.enum(['issue', 'opportunity']).optional(),
  severity: z.enum(SEVERITIES).optional().describe('Only this severity'),
  detector: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[a-z0-9_.-]+$/, 'a detector name: lowercase letters, digits and _ . -')
    .optional(),
}).strict();

export const FindingIdParams = z.object({
  findingId: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).describe('engine.findings id'),
});

export const FindingListSchema = z
  .object({ items: z.array(FindingSchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() })
  .meta({ id: 'FindingList' });
