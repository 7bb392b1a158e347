// Gives every entrypoint a Temporal server: TEMPORAL_ADDRESS when set, else the CLI dev server
// configured by temporal-dev.yml, started here (or reused when one already listens on its port).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { config } from '../../platform/config';
import { devServerSearchAttributeArgs } from '../../platform/search-attributes';
import { temporalConnectionOptions } from '../../platform/temporal-connection';
import { loadDevConfig } from './dev-config';
import { devConfigFile } from './launch-env';
import { ensureSearchAttributes } from '../../worker/search-attributes';
import { resolveTemporalCli } from './temporal-cli';

type Log = (msg: string) => void;

export interface TemporalHandle {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Web UI base URL, when known. */
  uiUrl: string | null;
  /** True when this process started the dev server (and so stops it). */
  started: boolean;
  stop(): Promise<void>;
}

// Each probe gets its own gRPC subchannel with a short reconnect backoff: in grpc-js' global pool a
// refused probe leaves a subchannel retrying with exponential backoff (up to minutes), and every later
// Connection to that address waits on it — a server that came up during a CLI build went unseen for 90 s.
const PROBE_CHANNEL_ARGS = { 'grpc.use_local_subchannel_pool': 1, 'grpc.max_reconnect_backoff_ms': 1000 };

/** True when something accepts TCP connections at `host:port` (cheap: no gRPC state is left behind). */
function tcpOpen(address: string, timeoutMs: number): Promise<boolean> {
  const { hostname, port } = new URL(`tcp://${address}`);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port), timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

async function reachable(address: string, timeoutMs = 1500): Promise<boolean> {
  if (!(await tcpOpen(address, timeoutMs))) return false;
  try {
    const conn = await Connection.connect({
      address,
      connectTimeout: timeoutMs,
      channelArgs: PROBE_CHANNEL_ARGS,
      ...temporalConnectionOptions(),
    });
    try {
      await conn.workflowService.getSystemInfo({});
      return true;
    } finally {
      await conn.close();
    }
  } catch {
    return false;
  }
}

/** How long a started dev server may take to answer, and how often the wait says so. */
const READY_LIMIT_MS = 180_000;
const PROGRESS_EVERY_MS = 5_000;

/** The last `n` lines of a log file, indented, for an error message. */
function logTail(file: string, n: number): string {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const lines = text.trimEnd().split('\n').slice(-n);
  return lines.map((l) => `  | ${l}`).join('\n') || '  | (empty)';
}

/** Registers the engine's search attributes on a server we did not start ourselves. */
async function registerSearchAttributes(address: string, namespace: string): Promise<void> {
  const conn = await Connection.connect({ address, channelArgs: PROBE_CHANNEL_ARGS, ...temporalConnectionOptions() });
  try {
    await ensureSearchAttributes(conn, namespace);
  } finally {
    await conn.close();
  }
}

export async function ensureTemporal(opts: { log: Log; signal?: AbortSignal }): Promise<TemporalHandle> {
  const cfg = loadDevConfig(devConfigFile());
  const taskQueue = config.TEMPORAL_TASK_QUEUE;
  const namespace = config.TEMPORAL_NAMESPACE;
  if (config.TEMPORAL_ADDRESS) {
    const address = config.TEMPORAL_ADDRESS;
    if (!(await reachable(address, 5000))) {
      throw new Error(
        `Cannot reach Temporal at TEMPORAL_ADDRESS=${address}: check the address, or unset it to use the dev server.`,
      );
    }
    return {
      address,
      namespace,
      taskQueue,
      uiUrl: config.TEMPORAL_UI_URL ?? null,
      started: false,
      stop: async () => undefined,
    };
  }

  const address = `${cfg.server.ip}:${cfg.server.grpcPort}`;
  const uiUrl = `http://${cfg.server.ip}:${cfg.server.uiPort}`;
  if (await reachable(address)) {
    opts.log(`Temporal: reusing the server at ${address}`);
    await registerSearchAttributes(address, namespace);
    return { address, namespace, taskQueue, uiUrl, started: false, stop: async () => undefined };
  }

  const cli = await resolveTemporalCli(cfg, opts.log, opts.signal);
  fs.mkdirSync(path.dirname(cfg.dbPath), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    cfg.server.ip,
    '--port',
    String(cfg.server.grpcPort),
    '--ui-port',
    String(cfg.server.uiPort),
    '--namespace',
    namespace,
    '--db-filename',
    cfg.dbPath,
    '--log-level',
    cfg.server.logLevel,
    ...devServerSearchAttributeArgs(),
    ...Object.entries(cfg.dynamicConfig).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${JSON.stringify(v)}`]),
  ];
  const logFile = path.join(path.dirname(cfg.dbPath), 'server.log');
  const out = fs.openSync(logFile, 'a');
  opts.log(`Temporal: starting the dev server (${path.basename(cli)} ${args.slice(0, 2).join(' ')}, log: ${logFile})`);
  // Its own process group: Ctrl-C in the terminal reaches only the launcher, which stops the server last.
  const child: ChildProcess = spawn(cli, args, { stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  // Widened on purpose: the exit callback sets it, which the narrowing of the loop below cannot see.
  let exited = null as number | null;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code ?? -1;
      resolve();
    }),
  );
  const stop = async () => {
    if (exited !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };

  const started = Date.now();
  let nextProgress = started + PROGRESS_EVERY_MS;
  while (!(await reachable(address))) {
    const waited = Math.round((Date.now() - started) / 1000);
    let failure: string | null = null;
    if (exited !== null) failure = `The Temporal dev server exited with code ${exited} at start.`;
    else if (opts.signal?.aborted) failure = 'Interrupted while waiting for the Temporal dev server.';
    else if (Date.now() - started > READY_LIMIT_MS)
      failure = `The Temporal dev server did not answer on ${address} within ${READY_LIMIT_MS / 1000} s.`;
    if (failure) {
      await stop();
      if (opts.signal?.aborted) throw new Error(failure);
      throw new Error(
        `${failure} Last lines of ${logFile}:\n${logTail(logFile, 20)}\n` +
          `Is port ${cfg.server.grpcPort} or ${cfg.server.uiPort} taken by another program (\`ss -ltnp\`)? ` +
          `Free it or change server.grpcPort/uiPort in ${path.basename(devConfigFile())}, or set TEMPORAL_ADDRESS to a running cluster; then run npm start again.`,
      );
    }
    if (Date.now() >= nextProgress) {
      opts.log(`Temporal: waiting for the dev server on ${address} (${waited} s)`);
      nextProgress += PROGRESS_EVERY_MS;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await registerSearchAttributes(address, namespace).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  opts.log(`Temporal: dev server ready at ${address}, Web UI ${uiUrl}`);
  return {
    address,
    namespace,
    taskQueue,
    uiUrl,
    started: true,
    stop,
  };
}
