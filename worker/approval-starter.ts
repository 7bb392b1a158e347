// The ApprovalStarter port on Temporal: one actionApproval workflow per action, its id derived from
// the action id, so starting it twice (an activity retried after a crash) is harmless.
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { ApprovalStarter } from '../activities/deps';
import { approvalWorkflowId } from '../workflows/definitions';
import { actionApproval } from '../workflows';

export function temporalApprovalStarter(client: Client, taskQueue: string): ApprovalStarter {
  return {
    async start({ actionId, cycleId, deadline, timeoutSeconds }) {
      const workflowId = approvalWorkflowId(actionId);
      try {
        await client.workflow.start(actionApproval, {
          workflowId,
          taskQueue,
          args: [{ actionId, cycleId, deadline: deadline.toISOString(), timeoutSeconds }],
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
