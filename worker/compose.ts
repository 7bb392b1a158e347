// The composition root: wires the real dependencies (Postgres, Temporal, the effect adapters the config selects)
// into the activities, ensures the schedules, and runs the worker until it is shut down.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities';
import { appWritingPorts } from '../engine/safety/app-read-only';
import type { SlackApprovalSettings } from '../activities/deps';
import type { Db } from '../db/knex';
import { config } from '../platform/config';
import { temporalConnectionOptions } from '../platform/temporal-connection';
import { setupTracing, type Tracing } from '../platform/tracing';
import { createAdapters, type AdapterSettings } from './adapters';
import { createAlertChannels, type AlertChannelSettings } from './alert-channels';
import { temporalApprovalStarter } from './approval-starter';
import { slackApprovalSettings } from './slack-approvals';
import { createEngineWorker } from './create-worker';
import { createRetrainingHook } from './retraining';
import { ensureSchedules } from './schedules';
import { ensureSearchAttributes } from './search-attributes';

export interface RunningWorker {
  /** Resolves when the worker has stopped. */
  done: Promise<void>;
  shutdown(): Promise<void>;
  schedules: Array<{ scheduleId: string; created: boolean }>;
}

export async function startEngineWorker(opts: {
  db: Db;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  log: (msg: string) => void;
  workflowBundlePath?: string;
  ensureSchedules?: boolean;
  /** Which effect adapters to run with; default: the process's config (PAYMENT_GATEWAY, MESSENGER, …). */
  adapters?: AdapterSettings;
  /** Which alert channels to send through; default: the process's config (SLACK_WEBHOOK_URL, …). */
  alertChannels?: AlertChannelSettings;
  /** Approvals from Slack; default: the process's config (off unless SLACK_BOT_TOKEN is set). */
  slack?: SlackApprovalSettings | null;
  /** When to remind in Slack before a deadline (default a day and an hour before; the history recorder's are short). */
  slackReminderLeads?: (timeoutSeconds: number) => number[];
  /** Default: the process's tracing from the config (null when no OTLP endpoint is set). */
  tracing?: Tracing | null;
}): Promise<RunningWorker> {
  const tracing = opts.tracing !== undefined ? opts.tracing : setupTracing('floyo-worker');
  if (tracing) opts.log(`Tracing: spans to ${tracing.endpoint}`);
  const clientConnection = await Connection.connect({ address: opts.temporalAddress, ...temporalConnectionOptions() });
  const client = new Client({
    connection: clientConnection,
    namespace: opts.namespace,
    ...(tracing ? { plugins: tracing.plugins } : {}),
  });
  // Before any schedule exists: a schedule whose workflows set unknown attributes would fail on every run.
  const added = await ensureSearchAttributes(clientConnection, opts.namespace, { address: opts.temporalAddress }).catch(
    async (err: unknown) => {
      await clientConnection.close();
      throw err;
    },
  );
  if (added.length) opts.log(`Temporal: registered search attributes ${added.join(', ')} in "${opts.namespace}"`);
  const clock = () => new Date();
  const adapters = createAdapters(opts.db, opts.adapters ?? config, clock);
  opts.log(
    `Effects: payments through ${adapters.names.paymentGateway}, messages through ${adapters.names.messenger}` +
      (adapters.outboxRelay ? ' (accepted into engine.outbox, delivered by the outbox relay)' : ''),
  );
  const alertChannels = createAlertChannels(opts.alertChannels ?? config);
  opts.log(`Alerts: ${alertChannels.size ? [...alertChannels.keys()].join(', ') : 'no channel configured'}`);
  const appWriteBlocked = appWritingPorts({
    readOnly: config.APP_SCHEMA_READ_ONLY,
    paymentGateway: adapters.names.paymentGateway,
  });
  if (config.APP_SCHEMA_READ_ONLY)
    opts.log(
      `Schema app is read-only (APP_SCHEMA_READ_ONLY)` +
        (appWriteBlocked.length ? `: effects through ${appWriteBlocked.join(', ')} are blocked` : ''),
    );
  const retraining = createRetrainingHook(config, { connection: clientConnection, namespace: opts.namespace }, clock);
  if (retraining)
    opts.log(
      `Retraining: datasets to ${retraining.dir}` +
        (retraining.notifiers.length ? `, notifying ${retraining.notifiers.map((n) => n.name).join(' and ')}` : ''),
    );
  const slack = opts.slack !== undefined ? opts.slack : slackApprovalSettings(config);
  if (slack) opts.log(`Approvals: posted to Slack channel ${slack.channel}`);
  const activities = createActivities({
    db: opts.db,
    payments: adapters.payments,
    messenger: adapters.messenger,
    outboxRelay: adapters.outboxRelay,
    approvals: temporalApprovalStarter(
      client,
      opts.taskQueue,
      slack ? (opts.slackReminderLeads ? { reminderLeads: opts.slackReminderLeads } : {}) : null,
    ),
    alertChannels,
    clock,
    retraining,
    appWriteBlocked,
    slack,
  });
  const schedules = opts.ensureSchedules === false ? [] : await ensureSchedules(client, opts.taskQueue);
  const connection = await NativeConnection.connect({ address: opts.temporalAddress, ...temporalConnectionOptions() });
  const worker = await createEngineWorker({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities,
    workflowBundlePath: opts.workflowBundlePath,
    plugins: tracing?.plugins,
  });
  opts.log(`Worker: polling task queue "${opts.taskQueue}" in namespace "${opts.namespace}"`);
  const done = worker.run().finally(async () => {
    await connection.close();
    await clientConnection.close();
    await tracing?.shutdown();
  });
  return {
    done,
    schedules,
    shutdown: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
