// Debian's Chromium for the browser tests, driven by playwright-core (which ships no browser). Installed
// with apt-get when missing (as root); otherwise the tests fail saying how to install it.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { childEnv, config } from '../../platform/config';

const run = promisify(execFile);

export const CHROMIUM_PATH = config.CHROMIUM_PATH ?? '/usr/bin/chromium';

const HOW =
  'Install it with `sudo apt-get update && sudo apt-get install -y chromium` (Debian/Ubuntu), or point CHROMIUM_PATH at a Chromium or Chrome binary.';

/** Returns the Chromium binary, installing Debian's package first when it is missing and we are root. */
export async function ensureChromium(log: (m: string) => void = () => {}): Promise<string> {
  if (fs.existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (config.CHROMIUM_PATH) throw new Error(`CHROMIUM_PATH=${CHROMIUM_PATH} does not exist. ${HOW}`);
  if (process.getuid?.() !== 0)
    throw new Error(`The browser tests need Chromium at ${CHROMIUM_PATH} and this user cannot install it. ${HOW}`);
  log('Chromium is missing: apt-get install -y chromium (once per machine, a few minutes)…');
  const env = childEnv({ DEBIAN_FRONTEND: 'noninteractive' });
  try {
    await run('apt-get', ['update'], { env, maxBuffer: 64 * 1024 * 1024 });
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(
      `Installing Chromium failed: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' ')}. ${HOW}`,
      { cause: err },
    );
  }
  if (!fs.existsSync(CHROMIUM_PATH))
    throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is still missing. ${HOW}`);
  log('Chromium installed.');
  return CHROMIUM_PATH;
}
