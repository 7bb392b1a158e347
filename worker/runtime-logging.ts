// The Temporal SDK runtime of a worker process: its log level — LOG_LEVEL when set, else WARN (its INFO
// lines, the workflow bundler's output and poller state, are noise at a terminal) — and its Prometheus
// endpoint for worker metrics (task latencies, slots, polls, activity and workflow outcomes):
// WORKER_METRICS_ADDRESS, default 127.0.0.1:9464, `off` to disable.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/common';
import { config, type Config } from '../platform/config';

// pino's levels onto the SDK's; the SDK has nothing above ERROR.
const SDK_LEVEL: Record<NonNullable<Config['LOG_LEVEL']>, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

export function installRuntime(opts: {
  handleSignals: boolean;
  config?: Pick<Config, 'LOG_LEVEL' | 'WORKER_METRICS_ADDRESS'>;
}): { metricsUrl: string | null } {
  const cfg = opts.config ?? config;
  const metrics = cfg.WORKER_METRICS_ADDRESS;
  Runtime.install({
    logger: new DefaultLogger(cfg.LOG_LEVEL ? SDK_LEVEL[cfg.LOG_LEVEL] : 'WARN'),
    ...(metrics
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metrics, useSecondsForDurations: true } } } }
      : {}),
    ...(opts.handleSignals ? {} : { shutdownSignals: [] }),
  });
  return { metricsUrl: metrics ? `http://${metrics}/metrics` : null };
}
