// The one durable alert path of the monitor and the cycle: decides each finding's deliveries from the alert
// policy (engine/alerts/routing.ts), sends them through the configured channels exactly once per dedupe key,
// audits what the policy holds back, and sends again what an earlier outage left pending. Any delivery still
// failing for a retryable reason makes the activity throw after the others are sent, so Temporal retries it.
import { getPolicies } from '../../db/repos/config';
import { alertIdsOfCycle } from '../../db/repos/alerts';
import {
  findingIdsWithOpenEpisodes,
  listAlertDeliveries,
  listPendingAlertDeliveries,
  type AlertDeliveryRow,
} from '../../db/repos/alert-deliveries';
import { appendAudit } from '../../db/repos/audit';
import { findingTransitions } from '../../db/repos/audit';
import { getFindingsByIds, listOpenFindings, type FindingRecord } from '../../db/repos/findings';
import { decideDeliveries, type AlertKind } from '../../engine/alerts/routing';
import { isNonRetryable } from '../effects/errors';
import type { CycleContext } from '../context';
import type { ActivityDeps } from '../deps';
import { deliverAlert } from './deliver';
import { AlertDeliveryError } from './delivery-error';
import type { Alert, AlertFinding } from './port';

export interface SendAlertsSummary {
  counts: { delivered: number; skipped: number; failed: number; pending: number; held: number };
}

// A dry run's deliveries get keys of their own, so rehearsing never uses up the live page of a finding.
const DRY_RUN_PREFIX = 'dry-run:';

function alertFinding(f: FindingRecord): AlertFinding {
  return {
    id: f.id,
    fingerprint: f.fingerprint,
    title: f.title,
    severity: f.severity,
    detector: f.detector,
    kind: f.kind,
    confidence: f.confidence,
    evidence: f.evidence as Record<string, unknown>,
    firstSeenAt: f.firstSeenAt,
    lastSeenAt: f.lastSeenAt,
  };
}

interface Job {
  channel: string;
  alert: Alert;
  alertId: number | null;
}

export async function sendAlerts(
  deps: Pick<ActivityDeps, 'db' | 'alertChannels' | 'clock'>,
  ctx: CycleContext,
): Promise<SendAlertsSummary> {
  const { db } = deps;
  const alertChannels = deps.alertChannels ?? new Map();
  const counts = { delivered: 0, skipped: 0, failed: 0, pending: 0, held: 0 };
  if (!alertChannels.size) return { counts };
  // Reminders, silences and flaps are about real time, as the deliveries' and audit entries' own timestamps are.
  const now = deps.clock().toISOString();
  const policy = (await getPolicies(db)).alerts;
  const alertIds = await alertIdsOfCycle(db, ctx.cycleId);

  const open = await listOpenFindings(db);
  const toResolve = await getFindingsByIds(db, await findingIdsWithOpenEpisodes(db, ctx.dryRun));
  const findings = new Map(open.map((f) => [f.id, f]));
  for (const [id, f] of toResolve) if (f.status === 'resolved') findings.set(id, f);
  const transitions = await findingTransitions(
    db,
    [...findings.values()].map((f) => f.fingerprint),
  );

  const jobs: Job[] = [];
  // First what an outage left pending in an earlier run: it keeps its key, cycle and dry-run flag.
  const pending = await listPendingAlertDeliveries(db);
  const pendingFindings = await getFindingsByIds(
    db,
    pending.map((p) => p.findingId),
  );
  for (const p of pending) {
    const f = pendingFindings.get(p.findingId);
    if (!f || !alertChannels.has(p.channel)) continue;
    jobs.push({
      channel: p.channel,
      alertId: p.alertId,
      alert: alertOf(p.kind, p.dedupeKey, f, p.cycleId ?? ctx.cycleId, now, p.dryRun),
    });
  }

  for (const f of findings.values()) {
    const history = (await listAlertDeliveries(db, f.id)).filter((d) => d.dryRun === ctx.dryRun);
    const decision = decideDeliveries({
      finding: {
        findingId: f.id,
        fingerprint: f.fingerprint,
        severity: f.severity,
        detector: f.detector,
        status: f.status === 'resolved' ? 'resolved' : 'open',
        transitions: transitions.get(f.fingerprint) ?? [],
      },
      deliveries: history.map((d) => ({
        channel: d.channel,
        kind: d.kind,
        dedupeKey: d.dedupeKey,
        createdAt: d.createdAt,
      })),
      policy,
      now,
    });
    for (const d of decision.deliveries) {
      // A channel the policy names but this deployment does not configure is skipped.
      if (!alertChannels.has(d.channel)) continue;
      const key = ctx.dryRun ? `${DRY_RUN_PREFIX}${d.dedupeKey}` : d.dedupeKey;
      jobs.push({
        channel: d.channel,
        alertId: alertIds.get(f.id) ?? null,
        alert: alertOf(d.kind, key, f, ctx.cycleId, now, ctx.dryRun),
      });
    }
    for (const h of decision.held) {
      if (!alertChannels.has(h.channel)) continue;
      counts.held += 1;
      await appendAudit(db, {
        actor: 'engine',
        cycleId: ctx.cycleId,
        event: 'alert.held',
        target: `finding:${f.fingerprint}`,
        after: { channel: h.channel, kind: h.kind, reason: h.reason, until: h.until },
        dryRun: ctx.dryRun,
        // Once per hold, not once per run that sees it.
        dedupeKey: `alert.held:${ctx.dryRun ? DRY_RUN_PREFIX : ''}${f.fingerprint}:${h.channel}:${h.kind}:${h.reason}:${h.until}`,
      });
    }
  }

  const outages: Array<{ channel: string; message: string }> = [];
  const seen = new Set<string>();
  for (const job of jobs) {
    if (seen.has(job.alert.dedupeKey)) continue;
    seen.add(job.alert.dedupeKey);
    try {
      const row: AlertDeliveryRow = await deliverAlert({ db, channels: alertChannels }, job);
      counts[row.status === 'skipped' ? 'skipped' : 'delivered'] += 1;
    } catch (err) {
      // A refusal is recorded failed and audited by deliverAlert: no retry can change it.
      if (isNonRetryable(err)) counts.failed += 1;
      else {
        counts.pending += 1;
        outages.push({ channel: job.channel, message: (err as Error).message });
      }
    }
  }
  if (outages.length) {
    const message = outages.map((o) => o.message).join('; ');
    throw new AlertDeliveryError(`${outages.length} alert delivery(ies) still pending: ${message}`, {
      channel: [...new Set(outages.map((o) => o.channel))].join(','),
    });
  }
  return { counts };
}

function alertOf(
  kind: AlertKind,
  dedupeKey: string,
  f: FindingRecord,
  cycleId: string,
  at: string,
  dryRun: boolean,
): Alert {
  return { kind, dedupeKey, finding: alertFinding(f), cycleId, at, dryRun };
}
