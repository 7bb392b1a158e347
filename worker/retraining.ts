// The retraining hook the config asks for (RETRAIN_*): null without RETRAIN_DIR, else the export directory and
// a notifier per configured pipeline — a workflow started by name, a signed webhook, or both.
import path from 'node:path';
import { Client, type Connection } from '@temporalio/client';
import type { RetrainingHook, RetrainingNotifier } from '../activities/retraining/hook';
import { createWebhookNotifier } from '../activities/retraining/webhook-notifier';
import { createWorkflowNotifier } from '../activities/retraining/workflow-notifier';
import type { Config } from '../platform/config';

export type RetrainingSettings = Pick<
  Config,
  | 'RETRAIN_DIR'
  | 'RETRAIN_WORKFLOW'
  | 'RETRAIN_TASK_QUEUE'
  | 'RETRAIN_NAMESPACE'
  | 'RETRAIN_WEBHOOK_URL'
  | 'RETRAIN_WEBHOOK_SECRET'
  | 'RETRAIN_IN_DRY_RUN'
>;

export function createRetrainingHook(
  s: RetrainingSettings,
  temporal: { connection: Connection; namespace: string },
  clock: () => Date,
): RetrainingHook | null {
  if (!s.RETRAIN_DIR) return null;
  const notifiers: RetrainingNotifier[] = [];
  if (s.RETRAIN_WORKFLOW && s.RETRAIN_TASK_QUEUE) {
    const client = new Client({
      connection: temporal.connection,
      namespace: s.RETRAIN_NAMESPACE ?? temporal.namespace,
    });
    notifiers.push(createWorkflowNotifier(client, { workflow: s.RETRAIN_WORKFLOW, taskQueue: s.RETRAIN_TASK_QUEUE }));
  }
  if (s.RETRAIN_WEBHOOK_URL && s.RETRAIN_WEBHOOK_SECRET)
    notifiers.push(createWebhookNotifier({ url: s.RETRAIN_WEBHOOK_URL, secret: s.RETRAIN_WEBHOOK_SECRET, clock }));
  return { dir: path.resolve(s.RETRAIN_DIR), notifiers, notifyInDryRun: s.RETRAIN_IN_DRY_RUN };
}
