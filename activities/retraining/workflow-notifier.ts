// Notifies a retraining pipeline the Temporal way: starts its workflow by name on its namespace and task queue,
// with the request as the one argument and an id derived from the cycle. REJECT_DUPLICATE keeps a finished run's
// id taken, so a learn phase retried after the pipeline completed does not retrain twice.
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { retrainingIdOf, type RetrainingNotifier } from './hook';

export function createWorkflowNotifier(
  client: Client,
  opts: { workflow: string; taskQueue: string },
): RetrainingNotifier {
  return {
    name: `workflow ${opts.workflow} on ${client.options.namespace}/${opts.taskQueue}`,
    async notify(request) {
      const workflowId = retrainingIdOf(request.manifest.cycleId);
      try {
        await client.workflow.start(opts.workflow, {
          workflowId,
          taskQueue: opts.taskQueue,
          args: [request],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          staticSummary: `Retrain on the dataset of ${request.manifest.cycleId} (${request.manifest.rowCount} rows)`,
        });
        return { id: workflowId, outcome: 'notified' };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return { id: workflowId, outcome: 'already' };
        throw err;
      }
    },
  };
}
