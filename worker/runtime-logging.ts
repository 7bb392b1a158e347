// The Temporal SDK runtime of a worker process: its log level — LOG_LEVEL when it names one, else WARN
// (its INFO lines, the workflow bundler's output and poller state, are noise at a terminal) — and its
// Prometheus endpoint for worker metrics (task latencies, slots, polls, activity and workflow
// outcomes): WORKER_METRICS_ADDRESS, default 127.0.0.1:9464, `off` to disable.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/common';

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
export const DEFAULT_WORKER_METRICS_ADDRESS = '127.0.0.1:9464';

/** The worker metrics address in effect, or null when disabled. */
export function workerMetricsAddress(): string | null {
  const v = process.env.WORKER_METRICS_ADDRESS?.trim();
  if (v === 'off' || v === '0' || v === 'false') return null;
  return v || DEFAULT_WORKER_METRICS_ADDRESS;
}

export function installRuntime(opts: { handleSignals: boolean }): { metricsUrl: string | null } {
  const wanted = process.env.LOG_LEVEL?.toUpperCase() as LogLevel | undefined;
  const level = wanted && LEVELS.includes(wanted) ? wanted : 'WARN';
  const metrics = workerMetricsAddress();
  Runtime.install({
    logger: new DefaultLogger(level),
    ...(metrics
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metrics, useSecondsForDurations: true } } } }
      : {}),
    ...(opts.handleSignals ? {} : { shutdownSignals: [] }),
  });
  return { metricsUrl: metrics ? `http://${metrics}/metrics` : null };
}
