// Gives every entrypoint a Temporal server: TEMPORAL_ADDRESS when set, else the CLI dev server
// configured by temporal-dev.yml, started here (or reused when one already listens on its port).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { loadDevConfig, type DevConfig } from './dev-config';
import { resolveTemporalCli } from './temporal-cli';
import { temporalConnectionOptions } from './temporal-connection';

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

async function reachable(address: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const conn = await Connection.connect({ address, connectTimeout: timeoutMs, ...temporalConnectionOptions() });
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

const SA_TYPES: Record<string, number> = {
  Text: 1,
  Keyword: 2,
  Int: 3,
  Double: 4,
  Bool: 5,
  Datetime: 6,
  KeywordList: 7,
};

/** Registers the search attributes of temporal-dev.yml on a server we did not start ourselves. */
async function ensureSearchAttributes(address: string, namespace: string, cfg: DevConfig): Promise<void> {
  const conn = await Connection.connect({ address, ...temporalConnectionOptions() });
  try {
    const existing = await conn.operatorService.listSearchAttributes({ namespace });
    const missing = Object.entries(cfg.searchAttributes).filter(
      ([name]) => !(name in (existing.customAttributes ?? {})),
    );
    if (missing.length) {
      await conn.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, SA_TYPES[type]!])),
      });
    }
  } finally {
    await conn.close();
  }
}

export async function ensureTemporal(opts: { log: Log }): Promise<TemporalHandle> {
  const cfg = loadDevConfig();
  const taskQueue = process.env.TEMPORAL_TASK_QUEUE ?? cfg.taskQueue;
  if (process.env.TEMPORAL_ADDRESS) {
    const address = process.env.TEMPORAL_ADDRESS;
    const namespace = process.env.TEMPORAL_NAMESPACE ?? cfg.server.namespace;
    if (!(await reachable(address, 5000))) {
      throw new Error(
        `Cannot reach Temporal at TEMPORAL_ADDRESS=${address}: check the address, or unset it to use the dev server.`,
      );
    }
    return {
      address,
      namespace,
      taskQueue,
      uiUrl: process.env.TEMPORAL_UI_URL ?? null,
      started: false,
      stop: async () => undefined,
    };
  }

  const address = `${cfg.server.ip}:${cfg.server.grpcPort}`;
  const uiUrl = `http://${cfg.server.ip}:${cfg.server.uiPort}`;
  const namespace = cfg.server.namespace;
  if (await reachable(address)) {
    opts.log(`Temporal: reusing the server at ${address}`);
    await ensureSearchAttributes(address, namespace, cfg);
    return { address, namespace, taskQueue, uiUrl, started: false, stop: async () => undefined };
  }

  const cli = await resolveTemporalCli(cfg, opts.log);
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
    ...Object.entries(cfg.searchAttributes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    ...Object.entries(cfg.dynamicConfig).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${JSON.stringify(v)}`]),
  ];
  const logFile = path.join(path.dirname(cfg.dbPath), 'server.log');
  const out = fs.openSync(logFile, 'a');
  opts.log(`Temporal: starting the dev server (${path.basename(cli)} ${args.slice(0, 2).join(' ')}, log: ${logFile})`);
  const child: ChildProcess = spawn(cli, args, { stdio: ['ignore', out, out] });
  // Widened on purpose: the exit callback sets it, which the narrowing of the loop below cannot see.
  let exited = null as number | null;
  child.on('exit', (code) => (exited = code ?? -1));

  const deadline = Date.now() + 90_000;
  while (!(await reachable(address))) {
    if (exited !== null)
      throw new Error(`The Temporal dev server exited with code ${exited} at start; see ${logFile}.`);
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`The Temporal dev server did not answer on ${address} within 90 s; see ${logFile}.`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  await ensureSearchAttributes(address, namespace, cfg);
  opts.log(`Temporal: dev server ready at ${address}, Web UI ${uiUrl}`);
  return {
    address,
    namespace,
    taskQueue,
    uiUrl,
    started: true,
    stop: async () => {
      if (exited !== null) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}
