// Queries, bodies and responses of the approval routes.
import { z } from 'zod';
import { ActionSchema, IsoDate, LimitOffsetQuery } from './common';

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'executed', 'failed'] as const;

export const ListApprovalsQuery = LimitOffsetQuery.extend({
  status: z
    .enum([...APPROVAL_STATUSES, 'all'])
    .default('pending')
    .describe('Default pending; `all` for every status'),
}).strict();

export const ActionIdParams = z.object({
  actionId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._:-]+$/, 'an action id: letters, digits and . _ : -'),
});

export const DecisionBody = z
  .strictObject(
    {
      reason: z
        .string()
        .trim()
        .min(3, 'reason must say why, in at least 3 characters')
        .max(2000)
        .describe('Why: recorded in the approval and the audit log'),
    },
    { error: (issue) => (issue.input == null ? 'a JSON body {"reason": "..."} is required' : undefined) },
  )
  .describe("The operator is the API key's name");

export const ApprovalSchema = z
  .object({
    actionId: z.string(),
    workflowId: z.string(),
    status: z.enum(APPROVAL_STATUSES),
    deadline: IsoDate,
    decidedBy: z.string().nullable(),
    reason: z.string().nullable(),
    decidedAt: IsoDate.nullable(),
    createdAt: IsoDate,
    slackUrl: z.string().nullable().describe("The request's Slack message (permalink), when it was posted to Slack"),
    action: ActionSchema,
  })
  .meta({ id: 'Approval' });

export const ApprovalListSchema = z
  .object({
    items: z.array(ApprovalSchema),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .meta({ id: 'ApprovalList' });

export const DecisionAcceptedSchema = z
  .object({
    actionId: z.string(),
    workflowId: z.string(),
    decision: z.enum(['approve', 'reject']),
    operator: z.string(),
    reason: z.string(),
    status: z
      .literal('signaled')
      .describe('The approval workflow received the signal; it records and (if approved) executes the action'),
  })
  .meta({ id: 'DecisionAccepted' });
