// What Slack and PagerDuty document as the shape of a request, as zod schemas, and a receiver check that answers
// an invalid payload with the 400 `invalid_payload` the real APIs give.
import { z } from 'zod';
import type { ReceivedRequest } from './http-receiver';

// The Events API v2 contract: what PagerDuty rejects with 400 when missing.
export const pagerDutyEvent = z.discriminatedUnion('event_action', [
  z.object({
    routing_key: z.string().length(32),
    event_action: z.literal('trigger'),
    dedup_key: z.string().min(1).max(255),
    payload: z.object({
      summary: z.string().min(1).max(1024),
      source: z.string().min(1),
      severity: z.enum(['critical', 'error', 'warning', 'info']),
      timestamp: z.iso.datetime().optional(),
    }),
  }),
  z.object({ routing_key: z.string().length(32), event_action: z.literal('resolve'), dedup_key: z.string().min(1) }),
]);

// An incoming webhook's message: a notification text and at most 50 Block Kit blocks.
export const slackMessage = z.object({
  text: z.string().min(1),
  blocks: z
    .array(z.object({ type: z.enum(['header', 'section', 'actions', 'context', 'divider']) }))
    .min(1)
    .max(50),
});

export const problems = (schema: z.ZodType) => (req: ReceivedRequest) => {
  if (req.method !== 'POST' || req.headers['content-type'] !== 'application/json') return 'expected a JSON POST';
  const parsed = schema.safeParse(JSON.parse(req.body));
  return parsed.success ? null : `invalid_payload: ${parsed.error.message}`;
};
