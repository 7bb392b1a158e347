// Builds the engine's Temporal worker: every workflow in workflows/ and the activities of
// createActivities(deps), on one task queue.
import path from 'node:path';
import { NativeConnection, Worker, type WorkerPlugin } from '@temporalio/worker';
import type { Activities } from '../activities';
import { repoRoot } from '../platform/paths';

export interface EngineWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** A prebuilt workflow bundle (tests bundle once); else workflows/ is bundled at start. */
  workflowBundlePath?: string;
  maxConcurrentActivityTaskExecutions?: number;
  /** e.g. OpenTelemetry tracing (platform/tracing.ts). */
  plugins?: WorkerPlugin[];
}

export async function createEngineWorker(opts: EngineWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    ...(opts.workflowBundlePath
      ? { workflowBundle: { codePath: opts.workflowBundlePath } }
      : { workflowsPath: path.join(repoRoot, 'workflows', 'index.ts') }),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 8,
    ...(opts.plugins?.length ? { plugins: opts.plugins } : {}),
  });
}
