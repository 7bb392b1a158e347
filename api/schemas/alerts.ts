// Responses of the alert routes: a finding's deliveries and each channel's health.
import { z } from 'zod';

export const AlertDeliverySchema = z
  .object({
    id: z.number().int(),
    findingId: z.number().int(),
    alertId: z.number().int().nullable().describe("The monitor's engine.alerts row, when one raised it"),
    cycleId: z.string().nullable().describe('The run whose decision it was'),
    channel: z.string().describe('pagerduty, slack or webhook'),
    kind: z.enum(['trigger', 'resolve', 'remind']),
    dedupeKey: z.string(),
    status: z.enum(['pending', 'delivered', 'failed', 'skipped']).describe('skipped: a dry run, nothing was sent'),
    dryRun: z.boolean(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
  })
  .meta({ id: 'AlertDelivery' });

export const AlertDeliveryListSchema = z
  .object({ items: z.array(AlertDeliverySchema) })
  .meta({ id: 'AlertDeliveryList' });

export const AlertChannelHealthSchema = z
  .object({
    channel: z.string(),
    configured: z.boolean().describe("Whether the worker's configuration turns this channel on"),
    lastSuccessAt: z.string().nullable().describe('The last live delivery it accepted'),
    lastFailureAt: z.string().nullable().describe('The last live attempt that failed (an outage or a refusal)'),
    lastError: z.string().nullable(),
    delivered: z.number().int(),
    pending: z.number().int().describe('Waiting for the provider to come back'),
    failed: z.number().int().describe('Refused by the provider; no retry can change it'),
  })
  .meta({ id: 'AlertChannelHealth' });

export const AlertChannelListSchema = z
  .object({ channels: z.array(AlertChannelHealthSchema) })
  .meta({ id: 'AlertChannelList' });
