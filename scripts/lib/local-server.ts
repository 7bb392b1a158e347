// Starts a local helper binary (stripe-mock, Mailpit) on free loopback ports, waits until it answers, and stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface LocalServer {
  pid: number;
  stop(): Promise<void>;
}

/** Ports that were free a moment ago on 127.0.0.1, distinct: all are held open until each is known. */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const srv = net.createServer();
          srv.unref();
          srv.on('error', reject);
          srv.listen(0, '127.0.0.1', () => resolve(srv));
        }),
    ),
  );
  const ports = servers.map((srv) => (srv.address() as net.AddressInfo).port);
  await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  return ports;
}

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export async function freeLoopbackPort(): Promise<number> {
  return (await freeLoopbackPorts(1))[0]!;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** Spawns `binary args`, logging to `logFile`, and resolves once `readyUrl` answers any HTTP status. */
export async function startLocalServer(opts: {
  name: string;
  binary: string;
  args: string[];
  readyUrl: string;
  logFile: string;
  timeoutMs?: number;
  /** Its own process group, so a terminal's Ctrl-C reaches only the launcher, which stops it in order. */
  detached?: boolean;
}): Promise<LocalServer> {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const out = fs.openSync(opts.logFile, 'a');
  const child: ChildProcess = spawn(opts.binary, opts.args, {
    stdio: ['ignore', out, out],
    detached: opts.detached ?? false,
  });
  fs.closeSync(out);
  // Widened on purpose: the exit callback sets it, which the loop's narrowing cannot see.
  let exited = null as number | null;
  child.on('exit', (code) => (exited = code ?? 1));
  // A binary that cannot be spawned (missing, not executable) emits 'error' instead of 'exit'.
  let spawnError = null as Error | null;
  child.on('error', (err) => {
    spawnError = err;
    exited ??= 127;
  });
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  while (!(await answers(opts.readyUrl))) {
    if (exited !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const tail = fs.readFileSync(opts.logFile, 'utf8').split('\n').slice(-5).join(' | ');
      throw new Error(
        `${opts.name} did not start (${spawnError ? spawnError.message : exited !== null ? `exit ${exited}` : 'timed out'}; log ${opts.logFile}: ${tail})`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
