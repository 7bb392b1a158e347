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

const ActionIdString = ActionIdParams.shape.actionId;

export const ApprovalVoteSchema = z
  .object({
    seq: z.number().int().describe('The order the approval workflow saw the vote in, from 1'),
    operator: z.string(),
    approve: z.boolean(),
    reason: z.string(),
    counted: z.boolean().describe('false: refused (self-approval, a repeat of one operator, after the decision)'),
    note: z.string().describe('"1 of 2 approvals", or why the vote was refused'),
    at: IsoDate,
  })
  .meta({ id: 'ApprovalVote' });

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
    blastRadius: z
      .object({ users: z.number().int(), mrrCents: z.number().int() })
      .nullable()
      .describe('Users and MRR (cents) the action touches, computed when the approval opened'),
    requiredApprovers: z.number().int().describe('Distinct operators whose approve decides (policy approval_quorum)'),
    approvedBy: z.array(z.string()).describe('Operators whose approve counted so far'),
    startedBy: z
      .string()
      .nullable()
      .describe('Who started the run by hand: may reject but not approve (null for a schedule or the monitor)'),
    escalatedAt: IsoDate.nullable().describe('When the still-pending approval was escalated to admins'),
    votes: z.array(ApprovalVoteSchema).describe('Every vote the workflow saw, counted or refused, oldest first'),
    action: ActionSchema,
  })
  .meta({ id: 'Approval' });

export const ApprovalGroupSchema = z
  .object({
    cycleId: z.string(),
    type: z.string(),
    count: z.number().int(),
    nextDeadline: IsoDate.describe('The most urgent deadline in the group'),
    needQuorum: z.number().int().describe('How many of the group need more than one approver'),
  })
  .meta({ id: 'ApprovalGroup' });

export const ApprovalListSchema = z
  .object({
    items: z.array(ApprovalSchema),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
    groups: z
      .array(ApprovalGroupSchema)
      .describe('Every pending approval grouped by (cycle, action type), the most urgent group first'),
  })
  .meta({ id: 'ApprovalList' });

export const BulkDecisionBody = z
  .strictObject({
    decision: z.enum(['approve', 'reject']),
    reason: DecisionBody.shape.reason,
    filter: z
      .strictObject({
        type: z.string().min(1).max(100).optional().describe('Action type, e.g. retry_payment'),
        cycleId: z.string().min(1).max(200).optional(),
        actionIds: z.array(ActionIdString).min(1).max(500).optional(),
      })
      .refine((f) => f.type !== undefined || f.cycleId !== undefined || f.actionIds !== undefined, {
        message: 'the filter needs at least one of type, cycleId, actionIds: an empty filter would decide everything',
      })
      .describe('Every pending approval matching all given fields'),
  })
  .describe("One reason for every matching approval; the operator is the API key's name");

export const BulkDecisionSchema = z
  .object({
    decision: z.enum(['approve', 'reject']),
    operator: z.string(),
    reason: z.string(),
    matched: z.number().int().describe('Pending approvals the filter matched'),
    signaled: z.number().int(),
    signaledIds: z.array(z.string()),
    skipped: z
      .array(z.object({ actionId: z.string(), status: z.number().int(), reason: z.string() }))
      .describe('Approvals not signaled, with the status and detail a single decision would have answered'),
  })
  .meta({ id: 'BulkDecision' });

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
