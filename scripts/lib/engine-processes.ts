// Real engine processes for crash and scale trials: the worker (worker/main.ts) and the api (api/server.ts), each
// spawned as production runs it (DATABASE_URL + TEMPORAL_ADDRESS) in its own process group, so SIGKILL takes all of it.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { childEnv } from '../../platform/config';
import { repoRoot } from '../../platform/paths';

/** The servers and the queue every engine process of a trial shares. */
export interface EngineServers {
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
}

/** One engine entrypoint run under tsx, with its output kept for assertions and failure messages. */
class EngineProcess {
  private child: ChildProcess | null = null;
  private out = '';

  constructor(
    private readonly entry: string,
    /** A line the process prints once it serves. */
    private readonly ready: RegExp,
    private readonly servers: EngineServers,
    private readonly env: Record<string, string>,
  ) {}

  /** Everything printed since the last start (stdout and stderr). */
  output(): string {
    return this.out;
  }

  /** The operating-system pid (tsx loads in-process, so it is also the Temporal worker identity's pid). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  protected async spawnAndWait(): Promise<RegExpMatchArray> {
    this.out = '';
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, this.entry)], {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv({
        DATABASE_URL: this.servers.databaseUrl,
        TEMPORAL_ADDRESS: this.servers.temporalAddress,
        TEMPORAL_NAMESPACE: this.servers.namespace,
        TEMPORAL_TASK_QUEUE: this.servers.taskQueue,
        WORKER_METRICS_ADDRESS: 'off',
        ...this.env,
      }),
    });
    this.child = child;
    return new Promise<RegExpMatchArray>((resolve, reject) => {
      const onData = (b: Buffer) => {
        this.out += b.toString();
        const m = this.out.match(this.ready);
        if (m) resolve(m);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) =>
        reject(new Error(`${this.entry} exited (${code}) before it served:\n${this.out.slice(-2000)}`)),
      );
    });
  }

  /** SIGKILL: no shutdown, no drain, in-flight work is abandoned mid-statement. */
  kill(): void {
    if (this.child?.pid && this.child.exitCode == null) process.kill(-this.child.pid, 'SIGKILL');
    this.child = null;
  }

  /** SIGTERM and wait for the exit (SIGKILL after 15 s). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child?.pid || child.exitCode != null) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    this.child = null;
  }
}

/** A real worker: migrates, ensures the schedules, then polls the task queue. */
export class WorkerProcess extends EngineProcess {
  /** `env`: more variables for the worker, e.g. the adapters it runs with (MESSENGER, SMTP_URL, …). */
  constructor(servers: EngineServers, env: Record<string, string> = {}) {
    super(path.join('worker', 'main.ts'), /Worker: polling task queue/, servers, env);
  }

  async start(): Promise<void> {
    await this.spawnAndWait();
  }
}

/** A real api on a free port: migrates (waiting for the lock), then listens; `url` once started. */
export class ApiProcess extends EngineProcess {
  url = '';

  /** `env`: more variables, e.g. ENGINE_BOOTSTRAP_ADMIN_KEY. */
  constructor(servers: EngineServers, env: Record<string, string> = {}) {
    super(path.join('api', 'server.ts'), /\[api\] listening on (http:\/\/\S+) /, servers, {
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    });
  }

  async start(): Promise<void> {
    this.url = (await this.spawnAndWait())[1]!;
  }
}
