// Workflows a live cycle leaves waiting for an operator (approvals, campaign rollouts awaiting approval or
// paused): a test ends them with itself, or they would wait on a task queue nobody polls for days.
import type { Knex } from 'knex';
import { ROLLOUT_OWNED } from '../../engine/campaigns/campaign';

export async function waitingWorkflowIds(db: Knex): Promise<string[]> {
  const approvals: string[] = await db('engine.approvals').where({ status: 'pending' }).pluck('workflow_id');
  const rollouts: string[] = await db('engine.campaigns')
    .whereIn('status', [...ROLLOUT_OWNED])
    .whereNotNull('workflow_id')
    .pluck('workflow_id');
  return [...approvals, ...rollouts];
}
