// Runs Mailpit (an SMTP server with an HTTP API to read what it received) for tests.
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

/** Builds Mailpit on first use and starts it on free loopback ports, accepting any SMTP auth or none, in memory. */
export async function ensureMailpit(opts: { log: (m: string) => void }): Promise<MailpitHandle> {
  const binary = await ensureGoTool(MAILPIT, opts.log);
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
      // Keep every message (the default keeps the newest 500): tests count what they sent.
      '--max',
      '0',
      // No --database: Mailpit then keeps messages in a temporary database it deletes on exit.
    ],
    readyUrl: `${apiUrl}/api/v1/info`,
    logFile: path.join(dataDir, 'test', 'mailpit.log'),
  });
  opts.log(`Mailpit ${MAILPIT.version}: SMTP 127.0.0.1:${smtpPort}, API ${apiUrl}`);
  return { smtpHost: '127.0.0.1', smtpPort, apiUrl, stop: () => server.stop() };
}
