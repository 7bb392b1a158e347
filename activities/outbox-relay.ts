// The relay's one activity: claims a batch of due outbox rows of the selected channel, sends each with the real
// transport (SMTP or webhook), and records each outcome before the next send, so a crash can re-send only the one
// message in flight — and with the same Message-ID / webhook-id, both derived from the idempotency key.
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { appendAudit } from '../db/repos/audit';
import { getPolicies } from '../db/repos/config';
import {
  claimDueMessages,
  recordAttempt,
  releaseClaim,
  secondsUntilNextDue,
  startAttempt,
  type ClaimedMessage,
} from '../db/repos/outbox';
import { deliveryVerdict, retryDelaySeconds, type AttemptResult } from '../engine/delivery/outbox-delivery';
import type { ActivityDeps, OutboxRelay } from './deps';
import { isNonRetryable } from './effects/errors';

export interface RelayBatchResult {
  /** Null when this worker has no relay transport (MESSENGER=outbox). */
  channel: 'smtp' | 'webhook' | null;
  /** True when the kill switch holds deliveries. */
  held: boolean;
  claimed: number;
  delivered: number;
  bounced: number;
  failed: number;
  /** Attempts that failed for now; the message is due again after its backoff. */
  retrying: number;
  /** Claimed rows given back unsent because the transport is down. */
  released: number;
  /** Seconds until the next queued row of the channel is due (0: now), null when none is queued. */
  nextDueInSeconds: number | null;
}

// Bad credentials or a misconfigured sender refuse every message alike: an operator fixes them, so retry.
const OPERATOR_FIXABLE = new Set(['provider_auth', 'config']);

function classify(err: unknown): AttemptResult {
  const error = ((err as Error)?.message ?? String(err)).slice(0, 1000);
  if (isNonRetryable(err) && !OPERATOR_FIXABLE.has((err as { code?: string }).code ?? '')) {
    return { kind: 'permanent', error };
  }
  return { kind: 'transient', error };
}

/** An outage (connection refused, timeout, 5xx/429): the next sends would fail alike, so the batch stops. */
function isOutage(err: unknown): boolean {
  return (err as { name?: string } | null)?.name === 'UpstreamUnavailableError';
}

function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Outside an activity (a direct call in a test): nothing to heartbeat.
  }
}

const EMPTY = { claimed: 0, delivered: 0, bounced: 0, failed: 0, retrying: 0, released: 0 };

export async function relayOutboxBatch(deps: Pick<ActivityDeps, 'db' | 'outboxRelay'>): Promise<RelayBatchResult> {
  const { db } = deps;
  const relay = deps.outboxRelay ?? null;
  if (!relay) return { channel: null, held: false, ...EMPTY, nextDueInSeconds: null };
  const { channel, settings } = relay;
  if ((await getPolicies(db)).kill_switch.enabled)
    return { channel, held: true, ...EMPTY, nextDueInSeconds: await secondsUntilNextDue(db, channel) };

  const token = randomUUID();
  const batch = await claimDueMessages(db, {
    channel,
    token,
    limit: settings.batchSize,
    leaseSeconds: settings.leaseSeconds,
  });
  const counts = { ...EMPTY, claimed: batch.length };
  // Heartbeats every 2 s even while one send waits on a slow server, so a killed worker is noticed in seconds.
  const timer = setInterval(() => heartbeat({ channel, ...counts }), 2_000);
  try {
    for (const m of batch) {
      heartbeat({ channel, ...counts });
      const { outcome, outage } = await deliverOne(deps.db, relay, m, token);
      if (outcome === 'lost') continue;
      counts[outcome] += 1;
      if (outage) {
        counts.released = await releaseClaim(db, token, retryDelaySeconds(1, settings));
        break;
      }
    }
  } finally {
    clearInterval(timer);
  }
  return { channel, held: false, ...counts, nextDueInSeconds: await secondsUntilNextDue(db, channel) };
}

async function deliverOne(
  db: ActivityDeps['db'],
  relay: OutboxRelay,
  m: ClaimedMessage,
  token: string,
): Promise<{ outcome: 'delivered' | 'bounced' | 'failed' | 'retrying' | 'lost'; outage: boolean }> {
  const attempt = await startAttempt(db, { id: m.id, token, leaseSeconds: relay.settings.leaseSeconds });
  if (attempt === null) return { outcome: 'lost', outage: false };
  let result: AttemptResult;
  let outage = false;
  try {
    const sent = await relay.transport.send({
      userId: m.userId,
      template: m.template,
      payload: m.payload,
      idempotencyKey: m.idempotencyKey,
    });
    result = { kind: 'delivered', providerMessageId: sent.messageId };
  } catch (err) {
    result = classify(err);
    outage = isOutage(err);
  }
  const verdict = deliveryVerdict(result, attempt, relay.settings);
  const recorded = await db.transaction(async (trx) => {
    const ok = await recordAttempt(trx, { id: m.id, token, verdict });
    if (ok && verdict.status !== 'queued') {
      await appendAudit(trx, {
        actor: 'outbox-relay',
        event: `message.${verdict.status}`,
        target: m.idempotencyKey,
        after: {
          outboxId: m.id,
          channel: relay.channel,
          attempts: attempt,
          ...(verdict.status === 'delivered'
            ? { providerMessageId: verdict.providerMessageId }
            : { error: verdict.error }),
        },
        dryRun: false,
        dedupeKey: `outbox.${m.id}.${verdict.status}`,
      });
    }
    return ok;
  });
  if (!recorded) return { outcome: 'lost', outage };
  return { outcome: verdict.status === 'queued' ? 'retrying' : verdict.status, outage };
}
