// npm start's demo mail: unless MESSENGER is set, the demo's messages go over SMTP to a local Mailpit, whose
// web UI shows every email the engine sent, with a working one-click unsubscribe link back to the api.
// Without Go (Mailpit cannot be built) or when Mailpit does not start, the demo keeps the outbox.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { config, setInEnvironment } from '../../platform/config';
import type { AdapterSettings } from '../../worker/adapters';
import { ensureGoTool, GoMissingError } from './go-tool';
import { MAILPIT, startMailpit } from './mailpit';

export interface DemoMail {
  /** The worker's and the api's adapter settings: the config's, with MESSENGER=smtp to this Mailpit. */
  settings: AdapterSettings;
  uiUrl: string;
  stop(): Promise<void>;
}

type Log = (m: string) => void;

/** Whether npm start should deliver to Mailpit: the user chose no messenger. */
export function demoMailWanted(): boolean {
  return !setInEnvironment('MESSENGER');
}

/** Builds Mailpit if needed, in the background: resolves to the binary, or to the error (never rejects). */
export function buildDemoMailpit(log: Log, signal: AbortSignal): Promise<string | Error> {
  return ensureGoTool(MAILPIT, log, undefined, signal).catch((err: unknown) =>
    err instanceof Error ? err : new Error(String(err)),
  );
}

/** UNSUBSCRIBE_SECRET, else one generated once and kept beside the admin key. */
function demoUnsubscribeSecret(dataDir: string): string {
  if (config.UNSUBSCRIBE_SECRET) return config.UNSUBSCRIBE_SECRET;
  const file = path.join(dataDir, 'dev-unsubscribe-secret');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, `${crypto.randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  }
  return fs.readFileSync(file, 'utf8').trim();
}

/** Where the api will listen, for the unsubscribe links: PUBLIC_BASE_URL, else HOST:PORT, else FLOYO_API_URL. */
function demoPublicBaseUrl(): string {
  if (config.PUBLIC_BASE_URL) return config.PUBLIC_BASE_URL;
  if (config.PORT === 0) return config.FLOYO_API_URL;
  const host = ['0.0.0.0', '::'].includes(config.HOST) ? '127.0.0.1' : config.HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.PORT}`;
}

/** Starts Mailpit from the build; null (after one line saying so) when the demo falls back to the outbox. */
export async function startDemoMail(
  binary: Promise<string | Error>,
  opts: { log: Log; dataDir: string },
): Promise<DemoMail | null> {
  const built = await binary;
  const fallBack = (why: string) => {
    opts.log(`Mail: ${why}; messages stay in engine.outbox (set MESSENGER to choose a messenger)`);
    return null;
  };
  if (built instanceof GoMissingError) return fallBack('Go is not installed, so Mailpit cannot be built');
  if (built instanceof Error) return fallBack(`Mailpit could not be built (${built.message})`);
  let mailpit;
  try {
    mailpit = await startMailpit(built, {
      log: opts.log,
      logFile: path.join(opts.dataDir, 'mailpit.log'),
      database: path.join(opts.dataDir, 'mailpit.db'),
      detached: true,
    });
  } catch (err) {
    return fallBack(`Mailpit did not start (${(err as Error).message})`);
  }
  const settings: AdapterSettings = {
    ...config,
    MESSENGER: 'smtp',
    SMTP_URL: `smtp://${mailpit.smtpHost}:${mailpit.smtpPort}`,
    MAIL_FROM: config.MAIL_FROM ?? 'Floyo demo <engine@floyo.localhost>',
    UNSUBSCRIBE_SECRET: demoUnsubscribeSecret(opts.dataDir),
    PUBLIC_BASE_URL: demoPublicBaseUrl(),
  };
  return { settings, uiUrl: mailpit.apiUrl, stop: () => mailpit.stop() };
}
