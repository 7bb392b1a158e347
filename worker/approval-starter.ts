// The ApprovalStarter port on Temporal: one actionApproval workflow per action, its id derived from
// the action id, so starting it twice (an activity retried after a crash) is harmless.
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { ApprovalStarter } from '../activities/deps';
import { approvalReminderLeads } from '../engine/approvals/reminder-leads';
import { approvalWorkflowId, type ApprovalInput } from '../workflows/definitions';
import { actionApproval } from '../workflows';

/**
 * With `slack`, each approval is started with Slack on (the workflow reads no env): its request is posted,
 * reminded at the policy's leads before the deadline (default a day and an hour), and updated.
 */
export function temporalApprovalStarter(
  client: Client,
  taskQueue: string,
  slack?: { reminderLeads?: (timeoutSeconds: number) => number[] } | null,
): ApprovalStarter {
  return {
    async start({ actionId, cycleId, deadline, timeoutSeconds, reminderLeadsSeconds }) {
      const workflowId = approvalWorkflowId(actionId);
      const leads = slack
        ? (slack.reminderLeads?.(timeoutSeconds) ?? reminderLeadsSeconds ?? approvalReminderLeads(timeoutSeconds))
        : null;
      const input: ApprovalInput = {
        actionId,
        cycleId,
        deadline: deadline.toISOString(),
        timeoutSeconds,
        ...(leads ? { slack: { reminderLeadsSeconds: leads } } : {}),
      };
      try {
        await client.workflow.start(actionApproval, {
          workflowId,
          taskQueue,
          args: [input],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          staticSummary: `Approval of action ${actionId}`,
          staticDetails: `Approve: temporal workflow signal --workflow-id ${workflowId} --name approve --input '{"operator":"<you>","reason":"<why>"}'`,
        });
        return { workflowId, started: true };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false };
        throw err;
      }
    },
  };
}
