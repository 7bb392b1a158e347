// outboxRelay: delivers the messages effects accepted into engine.outbox over the selected transport
// (MESSENGER=smtp|webhook). Batch after batch until nothing is due; when the only queued messages wait for their
// backoff, it sleeps until the next is due if that fits in the run's wait budget, else it ends and the next
// scheduled run (every minute, overlap skip: one relay at a time) carries on.
import { proxyActivities, setCurrentDetails, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { RELAY_BATCH_OPTIONS } from './activity-options';

const { relayOutboxBatch } = proxyActivities<Activities>(RELAY_BATCH_OPTIONS);

export interface OutboxRelayInput {
  /** Batches per run; default 100. */
  maxBatches?: number;
  /** Seconds the run may sleep in all, waiting for backed-off messages; default 45 (the schedule runs every minute). */
  maxWaitSeconds?: number;
}

export interface OutboxRelayResult {
  channel: 'smtp' | 'webhook' | null;
  held: boolean;
  batches: number;
  claimed: number;
  delivered: number;
  bounced: number;
  failed: number;
  retrying: number;
  released: number;
  /** Seconds until the next queued message is due when the run ended, null when none is queued. */
  nextDueInSeconds: number | null;
}

export async function outboxRelay(input: OutboxRelayInput = {}): Promise<OutboxRelayResult> {
  const maxBatches = Math.max(1, input.maxBatches ?? 100);
  const maxWaitSeconds = Math.max(0, input.maxWaitSeconds ?? 45);
  const total: OutboxRelayResult = {
    channel: null,
    held: false,
    batches: 0,
    claimed: 0,
    delivered: 0,
    bounced: 0,
    failed: 0,
    retrying: 0,
    released: 0,
    nextDueInSeconds: null,
  };
  let waited = 0;
  while (total.batches < maxBatches) {
    const r = await relayOutboxBatch();
    total.batches += 1;
    total.channel = r.channel;
    total.held = r.held;
    total.nextDueInSeconds = r.nextDueInSeconds;
    for (const k of ['claimed', 'delivered', 'bounced', 'failed', 'retrying', 'released'] as const) total[k] += r[k];
    setCurrentDetails(
      `Outbox relay over ${r.channel ?? 'nothing (MESSENGER=outbox)'}: ${total.delivered} delivered, ` +
        `${total.bounced} bounced, ${total.failed} failed, ${total.retrying} to retry${r.held ? '; held by the kill switch' : ''}`,
    );
    if (r.channel === null || r.held) break;
    if (r.claimed > 0 && r.released === 0) continue;
    if (r.nextDueInSeconds === null) break;
    const wait = Math.max(1, Math.ceil(r.nextDueInSeconds));
    if (waited + wait > maxWaitSeconds) break;
    await sleep(wait * 1000);
    waited += wait;
  }
  return total;
}
