// Starts the campaigns an effect phase planned as campaignRollout child workflows (docs/campaigns.md) and waits
// a bounded time for the admitted ones, so a cycle's own sends are done when it moves on, while a campaign
// waiting for approval, paused or on a slow ramp runs on by itself (ParentClosePolicy ABANDON).
import { ParentClosePolicy, sleep, startChild, log, type ChildWorkflowHandle } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { PhaseSummary } from '../activities';
import { campaignWorkflowId } from '../engine/campaigns/campaign';
import { campaignRollout } from './campaign-rollout';

export async function rollOutCampaigns(campaigns: NonNullable<PhaseSummary['campaigns']>): Promise<void> {
  const start = async (campaignId: string): Promise<ChildWorkflowHandle<typeof campaignRollout> | null> => {
    try {
      return await startChild(campaignRollout, {
        workflowId: campaignWorkflowId(campaignId),
        args: [{ campaignId }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Campaign rollout ${campaignId}`,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return null; // owned by an earlier start
      throw err;
    }
  };
  const admitted: Array<ChildWorkflowHandle<typeof campaignRollout>> = [];
  for (const id of campaigns.admitted) {
    const h = await start(id);
    if (h) admitted.push(h);
  }
  for (const id of campaigns.awaitingApproval) await start(id);
  if (!admitted.length || campaigns.waitSeconds <= 0) return;
  const done = Promise.allSettled(admitted.map((h) => h.result())).then((results) => {
    for (const r of results)
      if (r.status === 'rejected') log.warn('A campaign rollout failed', { error: String(r.reason) });
  });
  await Promise.race([done, sleep(campaigns.waitSeconds * 1000)]);
}
