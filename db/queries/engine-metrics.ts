// The engine's state as counts for /metrics, read at scrape time from the owning repos: cycles by kind
// and outcome, open findings by severity, actions by type and status, the approval queue, and outbox messages by
// channel and delivery status. Each is one
// grouped query over an indexed column set, so a scrape stays cheap however many rows there are.
import { countActionsByTypeAndStatus } from '../repos/actions';
import { approvalQueue } from '../repos/approvals';
import { countCyclesByKindAndStatus } from '../repos/cycles';
import { countOpenFindings } from '../repos/findings';
import { deliveryCounts } from '../repos/outbox';
import type { Queryable } from '../types';

export interface EngineCounts {
  cycles: Array<{ kind: string; status: string; n: number }>;
  openFindings: Array<{ severity: string; category: string; n: number }>;
  actions: Array<{ type: string; status: string; n: number }>;
  approvalQueueDepth: number;
  /** Seconds until the most urgent pending approval expires; null when the queue is empty. */
  nextApprovalDeadlineSeconds: number | null;
  outbox: Array<{ channel: string; status: string; n: number }>;
}

export async function readEngineCounts(db: Queryable): Promise<EngineCounts> {
  const [cycles, openFindings, actions, queue, outbox] = await Promise.all([
    countCyclesByKindAndStatus(db),
    countOpenFindings(db),
    countActionsByTypeAndStatus(db),
    approvalQueue(db),
    deliveryCounts(db),
  ]);
  return {
    cycles,
    openFindings,
    actions,
    approvalQueueDepth: queue.depth,
    nextApprovalDeadlineSeconds: queue.nextDeadlineSeconds,
    outbox,
  };
}
