// Queries, bodies and responses of the campaign routes (docs/campaigns.md).
import { z } from 'zod';
import { CAMPAIGN_STATUSES } from '../../engine/campaigns/campaign';
import { ROLLOUT_STATES } from '../../engine/campaigns/rollout';
import { IsoDate } from './common';
import { DecisionBody } from './approvals';

export const CAMPAIGN_CONTROLS = ['approve', 'reject', 'pause', 'resume', 'cancel'] as const;
export type CampaignControl = (typeof CAMPAIGN_CONTROLS)[number];

export const ListCampaignsQuery = z
  .object({
    status: z
      .string()
      .regex(/^[a-z_]+(,[a-z_]+)*$/, 'statuses, comma-separated')
      .refine(
        (s) => s.split(',').every((x) => (CAMPAIGN_STATUSES as readonly string[]).includes(x)),
        `each status is one of ${CAMPAIGN_STATUSES.join(', ')}`,
      )
      .optional()
      .describe('Comma-separated statuses, e.g. pending_approval,running,paused'),
    cycleId: z.string().min(1).max(200).optional(),
    type: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export const CampaignIdParams = z.object({
  campaignId: z
    .string()
    .min(1)
    .max(300)
    .regex(/^[A-Za-z0-9._:-]+$/, 'a campaign id: letters, digits and . _ : -'),
});

export const CampaignControlBody = DecisionBody;

const Progress = z
  .object({
    status: z.enum(ROLLOUT_STATES).optional(),
    wave: z.number().int().optional(),
    waves: z.number().int().optional(),
    reached: z.number().int().optional(),
    total: z.number().int().optional(),
    executed: z.number().int().optional(),
    failed: z.number().int().optional(),
    blocked: z.number().int().optional(),
    pausedBy: z.string().optional(),
    reason: z.string().optional(),
  })
  .describe('The rollout so far: waves done, recipients reached, sends executed, failed and blocked');

export const CampaignSchema = z
  .object({
    id: z.string(),
    cycleId: z.string(),
    phase: z.string(),
    type: z.string(),
    status: z.enum(CAMPAIGN_STATUSES),
    statusReason: z.string().nullable(),
    dryRun: z.boolean(),
    cohort: z.object({ definition: z.string(), kpi: z.string() }),
    size: z.number().int().describe('Targets the planner found'),
    recipients: z.number().int().describe('Recipients after caps, quiet hours, opt-outs, suppressions and holdout'),
    heldOut: z.number().int().describe('Held out as the control group'),
    excluded: z.record(z.string(), z.number().int()).describe('Recipients left out, by the gate that stopped them'),
    expectedImpact: z.record(z.string(), z.unknown()),
    preview: z.object({
      recipients: z.array(z.object({ userId: z.number().int(), email: z.string().nullable() })).optional(),
      message: z.record(z.string(), z.string()).optional(),
    }),
    ramp: z.array(z.number()).describe('Cumulative share of the recipients sent by the end of each wave'),
    progress: Progress,
    workflowId: z.string().nullable(),
    deadline: IsoDate.nullable(),
    decidedBy: z.string().nullable(),
    decisionReason: z.string().nullable(),
    decidedAt: IsoDate.nullable(),
    createdAt: IsoDate,
    updatedAt: IsoDate,
  })
  .meta({ id: 'Campaign' });

export const CampaignDetailSchema = CampaignSchema.extend({
  counts: z.record(z.string(), z.number().int()).describe("The campaign's actions per status"),
}).meta({ id: 'CampaignDetail' });

export const CampaignListSchema = z.object({ items: z.array(CampaignSchema) }).meta({ id: 'CampaignList' });

export const CampaignControlAccepted = z
  .object({
    campaignId: z.string(),
    workflowId: z.string(),
    control: z.enum(CAMPAIGN_CONTROLS),
    operator: z.string(),
    reason: z.string(),
    status: z.literal('signaled').describe('The rollout workflow received the signal'),
  })
  .meta({ id: 'CampaignControlAccepted' });
