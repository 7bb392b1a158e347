// Prometheus metrics (`GET /metrics`, public): default process metrics, request durations per route,
// counters of cycles started and approvals decided, and the engine's state read from PostgreSQL at
// scrape time (cycles by outcome, open findings by severity, actions by type and status, approval
// queue depth, recovered revenue over the last 12 months, outbox messages by channel and delivery status).
// One registry per app, so two apps in one process (tests) never collide.
import type { Knex } from 'knex';
import client from 'prom-client';
import { readEngineCounts } from '../../db/queries/engine-metrics';
import { queryRecoverySums } from '../../db/queries/recovered-revenue';
import { recoveryReport, recoveryWindow, type RecoveryFigures } from '../../engine/learning/recovered-revenue';
import fp from 'fastify-plugin';

const STATE_READ_TIMEOUT_MS = 2_000;

export interface EngineMetrics {
  registry: client.Registry;
  httpDuration: client.Histogram<'method' | 'route' | 'status_code'>;
  cyclesStarted: client.Counter<'kind' | 'dry_run'>;
  approvalsDecided: client.Counter<'decision'>;
  cycles: client.Gauge<'kind' | 'status'>;
  findingsOpen: client.Gauge<'severity' | 'category'>;
  actions: client.Gauge<'type' | 'status'>;
  approvalQueueDepth: client.Gauge;
  approvalNextDeadline: client.Gauge;
  recoveredRevenue: client.Gauge;
  recoveryRate: client.Gauge;
  incrementalRecovery: client.Gauge<'bound'>;
  outboxMessages: client.Gauge<'channel' | 'status'>;
  stateUp: client.Gauge;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: EngineMetrics;
  }
}

export function createMetrics(): EngineMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'floyo_api_' });
  return {
    registry,
    httpDuration: new client.Histogram({
      name: 'floyo_api_http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    cyclesStarted: new client.Counter({
      name: 'floyo_api_cycles_started_total',
      help: 'Cycle workflows started through the api, by kind and dry-run flag',
      labelNames: ['kind', 'dry_run'],
      registers: [registry],
    }),
    approvalsDecided: new client.Counter({
      name: 'floyo_api_approvals_decided_total',
      help: 'Approve/reject signals sent through the api',
      labelNames: ['decision'],
      registers: [registry],
    }),
    cycles: new client.Gauge({
      name: 'floyo_cycles',
      help: 'Cycles recorded in engine.cycles, by kind and outcome (running, completed, failed)',
      labelNames: ['kind', 'status'],
      registers: [registry],
    }),
    findingsOpen: new client.Gauge({
      name: 'floyo_findings_open',
      help: 'Open findings by severity and category',
      labelNames: ['severity', 'category'],
      registers: [registry],
    }),
    actions: new client.Gauge({
      name: 'floyo_actions',
      help: 'Actions recorded in engine.actions, by type and status',
      labelNames: ['type', 'status'],
      registers: [registry],
    }),
    approvalQueueDepth: new client.Gauge({
      name: 'floyo_approval_queue_depth',
      help: 'Approvals waiting for an operator',
      registers: [registry],
    }),
    approvalNextDeadline: new client.Gauge({
      name: 'floyo_approval_next_deadline_seconds',
      help: 'Seconds until the most urgent pending approval expires (absent when none is pending)',
      registers: [registry],
    }),
    outboxMessages: new client.Gauge({
      name: 'floyo_outbox_messages',
      help: 'Messages in engine.outbox by channel (outbox = the platform mailer, smtp, webhook) and delivery status (queued, delivered, bounced, failed, suppressed)',
      labelNames: ['channel', 'status'],
      registers: [registry],
    }),
    recoveredRevenue: new client.Gauge({
      name: 'floyo_recovered_revenue_cents',
      help: 'Amount of the treated failed charges now paid, over the last 12 months (docs/learning.md#recovered-revenue)',
      registers: [registry],
    }),
    recoveryRate: new client.Gauge({
      name: 'floyo_recovery_rate',
      help: 'Recovered / treated failed charges (count) over the last 12 months; absent without treated charges',
      registers: [registry],
    }),
    incrementalRecovery: new client.Gauge({
      name: 'floyo_incremental_recovered_revenue_cents',
      help: 'Recovered amount beyond the retry holdout over the last 12 months: bound=point, and low/high of its 95% interval when both arms have 20 charges',
      labelNames: ['bound'],
      registers: [registry],
    }),
    stateUp: new client.Gauge({
      name: 'floyo_engine_state_up',
      help: '1 when the engine state gauges were read from PostgreSQL for this scrape, 0 when the read failed',
      registers: [registry],
    }),
  };
}

/** Sets the state gauges from PostgreSQL; on failure (or timeout) they are left out and state_up is 0. */
export async function refreshEngineGauges(metrics: EngineMetrics, db: Knex): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const [counts, recovery] = await Promise.race([
      Promise.all([readEngineCounts(db), readRecovery(db)]),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${STATE_READ_TIMEOUT_MS} ms`)),
          STATE_READ_TIMEOUT_MS,
        );
      }),
    ]);
    for (const g of [
      metrics.cycles,
      metrics.findingsOpen,
      metrics.actions,
      metrics.approvalNextDeadline,
      metrics.recoveryRate,
      metrics.incrementalRecovery,
      metrics.outboxMessages,
    ])
      g.reset();
    for (const c of counts.cycles) metrics.cycles.set({ kind: c.kind, status: c.status }, c.n);
    for (const f of counts.openFindings) metrics.findingsOpen.set({ severity: f.severity, category: f.category }, f.n);
    for (const a of counts.actions) metrics.actions.set({ type: a.type, status: a.status }, a.n);
    for (const o of counts.outbox) metrics.outboxMessages.set({ channel: o.channel, status: o.status }, o.n);
    metrics.approvalQueueDepth.set(counts.approvalQueueDepth);
    if (counts.nextApprovalDeadlineSeconds !== null)
      metrics.approvalNextDeadline.set(counts.nextApprovalDeadlineSeconds);
    setRecoveryGauges(metrics, recovery);
    metrics.stateUp.set(1);
  } catch {
    for (const g of [
      metrics.cycles,
      metrics.findingsOpen,
      metrics.actions,
      metrics.approvalQueueDepth,
      metrics.approvalNextDeadline,
      metrics.recoveredRevenue,
      metrics.recoveryRate,
      metrics.incrementalRecovery,
      metrics.outboxMessages,
    ])
      g.reset();
    metrics.stateUp.set(0);
  } finally {
    clearTimeout(timer);
  }
}

/** The recovered-revenue figures of the last 12 months by the api's clock. */
async function readRecovery(db: Knex): Promise<RecoveryFigures> {
  const window = recoveryWindow({}, new Date());
  return recoveryReport(window, await queryRecoverySums(db, window)).total;
}

function setRecoveryGauges(metrics: EngineMetrics, f: RecoveryFigures): void {
  metrics.recoveredRevenue.set(f.recovered.amountCents);
  if (f.recoveryRate !== null) metrics.recoveryRate.set(f.recoveryRate);
  const inc = f.incremental;
  if (inc.amountCents !== null) metrics.incrementalRecovery.set({ bound: 'point' }, inc.amountCents);
  if (inc.amountInterval) {
    metrics.incrementalRecovery.set({ bound: 'low' }, inc.amountInterval[0]);
    metrics.incrementalRecovery.set({ bound: 'high' }, inc.amountInterval[1]);
  }
}

export const metricsPlugin = fp(
  async (app) => {
    const metrics = createMetrics();
    app.decorate('metrics', metrics);
    app.addHook('onResponse', (request, reply, done) => {
      // The route pattern, not the raw url, keeps the label set bounded; unmatched urls share one label.
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpDuration.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
      done();
    });
  },
  { name: 'metrics', fastify: '5.x' },
);
