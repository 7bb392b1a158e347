// Runs `npm start`'s command as a user would, in its own process group, against a private stack: a temporary data
// directory, cache and dev-server config, and free ports, so the shared servers of the suite are untouched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../platform/paths';
import { goToolPath } from '../../scripts/lib/go-tool';
import { MAILPIT } from '../../scripts/lib/mailpit';
import { childEnv } from '../../platform/config';

// Below Linux's ephemeral range (32768–60999): a port handed out there is free now, but nothing that binds
// port 0 (the dev server's internal services, Mailpit, another test's server) can take it before the stack does.
const RESERVED_RANGE = { low: 20_000, high: 32_000 } as const;

/** A free loopback port for a server the test starts later. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = RESERVED_RANGE.low + Math.floor(Math.random() * (RESERVED_RANGE.high - RESERVED_RANGE.low));
    const server = net.createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (bound) {
      await new Promise((resolve) => server.close(resolve));
      return port;
    }
  }
  throw new Error(`no free port between ${RESERVED_RANGE.low} and ${RESERVED_RANGE.high}`);
}

export function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

export interface Stack {
  dir: string;
  env: NodeJS.ProcessEnv;
  ports: { grpc: number; ui: number; pg: number; api: number };
}

/**
 * A private stack: its own `.data`, a cache without the Temporal CLI (but with the Mailpit the test setup
 * built, so no start builds one), a dev-server config on free ports.
 */
export async function privateStack(label: string): Promise<Stack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `floyo-${label}-`));
  // As root PostgreSQL runs as the `postgres` user, which must reach its data directory.
  fs.chmodSync(dir, 0o755);
  const ports = { grpc: await freePort(), ui: await freePort(), pg: await freePort(), api: await freePort() };
  const config = fs
    .readFileSync(path.join(repoRoot, 'temporal-dev.yml'), 'utf8')
    .replace(/grpcPort: \d+/, `grpcPort: ${ports.grpc}`)
    .replace(/uiPort: \d+/, `uiPort: ${ports.ui}`)
    .replace(/dbFile: .*/, `dbFile: ${path.join(dir, 'temporal', 'temporal.db')}`);
  fs.writeFileSync(path.join(dir, 'temporal-dev.yml'), config);
  fs.mkdirSync(path.join(dir, 'cache'));
  const mailpit = goToolPath(MAILPIT);
  if (fs.existsSync(mailpit)) {
    const copy = goToolPath(MAILPIT, path.join(dir, 'cache'));
    fs.mkdirSync(path.dirname(copy), { recursive: true });
    fs.symlinkSync(mailpit, copy);
  }
  const env: NodeJS.ProcessEnv = childEnv();
  for (const name of [
    'DATABASE_URL',
    'TEMPORAL_ADDRESS',
    'TEMPORAL_CLI',
    'ENGINE_BOOTSTRAP_ADMIN_KEY',
    'npm_lifecycle_event',
  ])
    delete env[name];
  Object.assign(env, {
    FLOYO_DATA_DIR: path.join(dir, 'data'),
    FLOYO_TEMPORAL_DEV_CONFIG: path.join(dir, 'temporal-dev.yml'),
    XDG_CACHE_HOME: path.join(dir, 'cache'),
    EMBEDDED_PG_PORT: String(ports.pg),
    PORT: String(ports.api),
    HOST: '127.0.0.1',
    WORKER_METRICS_ADDRESS: 'off',
    SEED_USERS: '200',
    LOG_LEVEL: 'warn',
  });
  return { dir, env, ports };
}

export interface Launch {
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the output matches, with the time it did; rejects when the process exits first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<number>;
  exit: Promise<number | null>;
  /** Ctrl-C as a terminal sends it: SIGINT to the whole process group. */
  interrupt(): void;
}

/**
 * Spawns the command of package.json's `start` script itself rather than `npm start`: npm always ends by
 * re-raising a SIGINT it received, which would hide the launcher's own exit code.
 */
export function launch(stack: Stack): Launch {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const [cmd, ...args] = pkg.scripts.start.split(' ');
  const child = spawn(cmd!, args, { cwd: repoRoot, env: stack.env, detached: true, stdio: 'pipe' });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const check of waiters) check();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exit,
    interrupt: () => process.kill(-child.pid!, 'SIGINT'),
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`timed out waiting for ${pattern}; output:\n${out}`)),
          timeoutMs,
        );
        const check = () => {
          if (pattern.test(out)) finish(null);
        };
        const finish = (err: Error | null) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (err) reject(err);
          else resolve(Date.now());
        };
        waiters.add(check);
        void exit.then((code) => finish(new Error(`npm start exited (${code}) before ${pattern}; output:\n${out}`)));
        check();
      }),
  };
}

/** Ends whatever a failed test left of a stack: the launcher's group and the servers under its directory. */
export function killStack(stack: Stack, launches: Launch[]): void {
  for (const l of launches) {
    if (l.child.exitCode === null && l.child.signalCode === null) {
      try {
        process.kill(-l.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  const ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout;
  for (const line of ps.split('\n')) {
    const [pid, ...args] = line.trim().split(/\s+/);
    // The dev server, postgres and Mailpit run in their own sessions; they are found by their private paths.
    if (pid && args.join(' ').includes(stack.dir) && /temporal|postgres|mailpit/.test(args[0] ?? ''))
      process.kill(Number(pid), 'SIGKILL');
  }
}
