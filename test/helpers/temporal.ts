// A real worker on the real dev server for one test file: its own task queue, the real activities
// wired to the test's database, the workflow bundle the global setup built.
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createActivities, type Activities } from '../../activities';
import type { ActivityDeps } from '../../activities/deps';
import { createOutboxMessenger } from '../../activities/effects/outbox-messenger';
import { createSandboxPaymentGateway } from '../../activities/effects/sandbox-payment-gateway';
import type { Db } from '../../db/knex';
import { temporalApprovalStarter } from '../../worker/approval-starter';
import { createEngineWorker } from '../../worker/create-worker';

export interface TestWorker {
  client: Client;
  taskQueue: string;
  worker: Worker;
  activities: Activities;
  shutdown(): Promise<void>;
}

let runtimeQuiet = false;

export async function startTestWorker(
  db: Db,
  opts: { label: string; deps?: Partial<ActivityDeps> },
): Promise<TestWorker> {
  if (!runtimeQuiet) {
    // Keep test output readable: the SDK's info logs (bundles, pollers) are noise here.
    Runtime.install({ logger: new (await import('@temporalio/worker')).DefaultLogger('WARN') });
    runtimeQuiet = true;
  }
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const taskQueue = `test-${opts.label}-${process.pid}-${Date.now().toString(36)}`;
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection, namespace });
  const clock = () => new Date();
  const activities = createActivities({
    db,
    payments: createSandboxPaymentGateway(db, clock),
    messenger: createOutboxMessenger(db),
    approvals: temporalApprovalStarter(client, taskQueue),
    clock,
    ...opts.deps,
  });
  const connection = await NativeConnection.connect({ address });
  const worker = await createEngineWorker({
    connection,
    namespace,
    taskQueue,
    activities,
    workflowBundlePath: inject('workflowBundlePath'),
  });
  const running = worker.run();
  return {
    client,
    taskQueue,
    worker,
    activities,
    shutdown: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await clientConnection.close();
    },
  };
}
