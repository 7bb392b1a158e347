// The Temporal SDK runtime's log level: LOG_LEVEL when it names one, else WARN (its INFO lines — the
// workflow bundler's output, poller state — are noise at a terminal).
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/common';

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export function installRuntime(opts: { handleSignals: boolean }): void {
  const wanted = process.env.LOG_LEVEL?.toUpperCase() as LogLevel | undefined;
  const level = wanted && LEVELS.includes(wanted) ? wanted : 'WARN';
  Runtime.install({ logger: new DefaultLogger(level), ...(opts.handleSignals ? {} : { shutdownSignals: [] }) });
}
