// zod schemas shared by every route group: the problem document, pagination, ids and findings.
import { z } from 'zod';

/** The media type of every error response (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const ProblemSchema = z
  .object({
    type: z.string().describe('A URN identifying the kind of problem, or about:blank'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().describe('What went wrong and, where possible, how to fix it'),
    instance: z.string().describe('The request path'),
    errors: z
      .array(z.object({ location: z.string(), path: z.string(), message: z.string(), code: z.string() }))
      .optional()
      .describe('One entry per invalid field (validation errors only)'),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

const problemResponse = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
});

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (validation errors listed in `errors`)',
  401: 'Missing, unknown or revoked API key',
  403: "The API key's role does not allow this",
  404: 'No such resource',
  409: 'The resource is not in a state that allows this',
  415: 'Unsupported content type',
  500: 'Unexpected error (logged; details are not exposed)',
  503: 'A dependency (PostgreSQL or Temporal) is unreachable',
};

/** The documented problem responses of a route: always 400/401/500/503, plus the given codes. */
export function problems(...codes: number[]) {
  const all = [...new Set([400, 401, 500, 503, ...codes])].sort();
  return Object.fromEntries(all.map((c) => [c, problemResponse(PROBLEM_DESCRIPTIONS[c] ?? 'Error')]));
}

export const LimitOffsetQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Page size, 1..200'),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0).describe('Rows to skip'),
});

export const IsoDate = z.string().describe('ISO 8601 timestamp');
export const JsonRecord = z.record(z.string(), z.unknown());

export const CycleIdParams = z.object({
  cycleId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._:-]+$/, 'a workflow id: letters, digits and . _ : -'),
});

export const FindingSchema = z
  .object({
    id: z.number().int(),
    fingerprint: z.string(),
    detector: z.string(),
    kind: z.string(),
    category: z.enum(['issue', 'opportunity']),
    severity: z.enum(['critical', 'high', 'medium', 'low', 'info']),
    confidence: z.number(),
    title: z.string(),
    evidence: JsonRecord,
    status: z.enum(['open', 'resolved']),
    firstSeenAt: IsoDate,
    lastSeenAt: IsoDate,
    occurrences: z.number().int(),
    firstCycleId: z.string(),
    lastCycleId: z.string(),
  })
  .meta({ id: 'Finding' });

export const ActionSchema = z
  .object({
    actionId: z.string(),
    cycleId: z.string(),
    phase: z.string(),
    type: z.string(),
    targetType: z.string(),
    targetId: z.string(),
    params: JsonRecord,
    findingId: z.number().int().nullable(),
    detectionConfidence: z.number(),
    confidence: z.number(),
    expectedImpact: JsonRecord,
    mode: z.enum(['auto', 'needs_approval', 'recommendation', 'shadow']),
    status: z.string(),
    statusReason: z.string().nullable(),
    dryRun: z.boolean(),
    createdAt: IsoDate,
    executedAt: IsoDate.nullable(),
    outcome: z.enum(['success', 'failure']).nullable(),
    outcomeMeasuredAt: IsoDate.nullable(),
  })
  .meta({ id: 'Action' });

export type ActionDto = z.infer<typeof ActionSchema>;
export type FindingDto = z.infer<typeof FindingSchema>;
