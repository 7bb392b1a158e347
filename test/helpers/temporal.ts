// A real worker on the real dev server for one test file: its own task queue, the real activities
// wired to the test's database (or stub activities, for workflow-only tests), the workflow bundle the
// global setup built.
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
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

function quietRuntime(): void {
  if (runtimeQuiet) return;
  // Keep test output readable: the SDK's info logs (bundles, pollers) are noise here.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeQuiet = true;
}

function uniqueTaskQueue(label: string): string {
  return `test-${label}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

export async function startTestWorker(
  db: Db,
  opts: {
    label: string;
    deps?: Partial<ActivityDeps>;
    /** The approval starter on this worker's client and task queue (default: the production one, Slack off). */
    approvals?: (client: Client, taskQueue: string) => ActivityDeps['approvals'];
  },
): Promise<TestWorker> {
  quietRuntime();
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const taskQueue = uniqueTaskQueue(opts.label);
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection, namespace });
  const clock = () => new Date();
  const activities = createActivities({
    db,
    payments: createSandboxPaymentGateway(db, clock),
    messenger: createOutboxMessenger(db),
    approvals: opts.approvals ? opts.approvals(client, taskQueue) : temporalApprovalStarter(client, taskQueue),
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

export interface StubWorker {
  client: Client;
  taskQueue: string;
  shutdown(): Promise<void>;
}

/**
 * The bundled workflows on a task queue of their own with stub activities: for tests of the orchestration
 * alone; only the activities a test passes are registered.
 */
export async function startStubWorker(label: string, activities: Partial<Activities>): Promise<StubWorker> {
  quietRuntime();
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const taskQueue = uniqueTaskQueue(label);
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection, namespace });
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    activities,
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  const running = worker.run();
  return {
    client,
    taskQueue,
    shutdown: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await clientConnection.close();
    },
  };
}
