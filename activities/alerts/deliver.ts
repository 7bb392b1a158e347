// Delivers one planned alert exactly once: claims its dedupe key in engine.alert_deliveries, sends it through
// its channel (unless already delivered), records the outcome and appends an audit entry. Retryable failures
// are rethrown for Temporal to retry under the same key; a refused alert is recorded failed and rethrown.
import type { Knex } from 'knex';
import { appendAudit } from '../../db/repos/audit';
import {
  claimAlertDelivery,
  getAlertDelivery,
  settleAlertDelivery,
  type AlertDeliveryRow,
} from '../../db/repos/alert-deliveries';
import { isNonRetryable, NonRetryableError } from '../effects/errors';
import type { Alert, AlertChannel } from './port';

export async function deliverAlert(
  deps: { db: Knex; channels: ReadonlyMap<string, AlertChannel> },
  req: { channel: string; alert: Alert; alertId?: number | null },
): Promise<AlertDeliveryRow> {
  const { db } = deps;
  const { alert } = req;
  const channel = deps.channels.get(req.channel);
  if (!channel)
    throw new NonRetryableError(`alert channel ${JSON.stringify(req.channel)} is not configured`, 'no_channel');
  const row = await claimAlertDelivery(db, {
    findingId: alert.finding.id,
    alertId: req.alertId,
    cycleId: alert.cycleId,
    channel: channel.name,
    kind: alert.kind,
    dedupeKey: alert.dedupeKey,
    dryRun: alert.dryRun,
  });
  if (row.status === 'delivered' || row.status === 'skipped') return row;

  const audit = (event: string, after: Record<string, unknown>) =>
    appendAudit(db, {
      actor: 'engine',
      cycleId: alert.cycleId,
      event,
      target: `finding:${alert.finding.fingerprint}`,
      after: { channel: channel.name, kind: alert.kind, dedupeKey: alert.dedupeKey, attempts: row.attempts, ...after },
      dryRun: alert.dryRun,
      dedupeKey: `${event}:${alert.dedupeKey}`,
    });
  try {
    const result = await channel.send(alert);
    const status = result.status === 'skipped_dry_run' ? 'skipped' : 'delivered';
    await settleAlertDelivery(db, alert.dedupeKey, { status, response: result.response ?? null });
    await audit(`alert.${status}`, { httpStatus: result.httpStatus ?? null });
  } catch (err) {
    const message = (err as Error).message;
    if (isNonRetryable(err)) {
      await settleAlertDelivery(db, alert.dedupeKey, { status: 'failed', error: message });
      await audit('alert.failed', { error: message });
    } else {
      await settleAlertDelivery(db, alert.dedupeKey, { status: 'pending', error: message });
    }
    throw err;
  }
  return (await getAlertDelivery(db, alert.dedupeKey))!;
}
