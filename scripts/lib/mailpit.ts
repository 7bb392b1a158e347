// Runs Mailpit (an SMTP server with a web UI and an HTTP API to read what it received) for tests and for the
// `npm start` demo.
import path from 'node:path';
import { ensureGoTool, type GoTool } from './go-tool';
import { freeLoopbackPorts, startLocalServer } from './local-server';
import { dataDir } from '../../platform/paths';

export const MAILPIT: GoTool = {
  name: 'mailpit',
  module: 'github.com/axllent/mailpit',
  version: 'v1.33.1',
  homepage: 'https://mailpit.axllent.org',
};

export interface MailpitHandle {
  smtpHost: string;
  smtpPort: number;
  /** Base URL of Mailpit's web UI and HTTP API (/api/v1/...). */
  apiUrl: string;
  stop(): Promise<void>;
}

export interface MailpitOptions {
  log: (m: string) => void;
  /** Default: .data/test/mailpit.log. */
  logFile?: string;
  /** A database file that keeps the messages across restarts; default: a temporary one deleted on exit. */
  database?: string;
  /** Run in its own process group (npm start stops it itself, after the worker). */
  detached?: boolean;
}

/** Starts a built Mailpit on free loopback ports, accepting any SMTP auth or none. */
export async function startMailpit(binary: string, opts: MailpitOptions): Promise<MailpitHandle> {
  const [smtpPort, httpPort] = (await freeLoopbackPorts(2)) as [number, number];
  const apiUrl = `http://127.0.0.1:${httpPort}`;
  const server = await startLocalServer({
    name: 'mailpit',
    binary,
    args: [
      '--smtp',
      `127.0.0.1:${smtpPort}`,
      '--listen',
      `127.0.0.1:${httpPort}`,
      // No TLS on loopback, so plain AUTH must be allowed; any credentials (or none) are accepted.
      '--smtp-auth-accept-any',
      '--smtp-auth-allow-insecure',
      '--smtp-disable-rdns',
      '--disable-version-check',
      // Without --database Mailpit keeps messages in a temporary database it deletes on exit, and then every
      // message (the default keeps the newest 500): tests count what they sent.
      ...(opts.database ? ['--database', opts.database] : ['--max', '0']),
    ],
    readyUrl: `${apiUrl}/api/v1/info`,
    logFile: opts.logFile ?? path.join(dataDir, 'test', 'mailpit.log'),
    detached: opts.detached ?? false,
  });
  opts.log(`Mailpit ${MAILPIT.version}: SMTP 127.0.0.1:${smtpPort}, API ${apiUrl}`);
  return { smtpHost: '127.0.0.1', smtpPort, apiUrl, stop: () => server.stop() };
}

/** Builds Mailpit on first use and starts it (see startMailpit), its messages in memory. */
export async function ensureMailpit(opts: { log: (m: string) => void }): Promise<MailpitHandle> {
  return startMailpit(await ensureGoTool(MAILPIT, opts.log), opts);
}
