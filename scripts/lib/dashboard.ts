// Builds the operator dashboard (dashboard/ → dashboard/dist) when the build is missing or older than
// its sources, so `npm start` and the test suite always serve the current UI without a separate step.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { childEnv } from '../../platform/config';
import { dashboardDir, dashboardDist, repoRoot } from '../../platform/paths';

const run = promisify(execFile);

/** Newest modification time among the dashboard's sources (everything under dashboard/ but dist). */
function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (p === dashboardDist || entry.name === 'node_modules') continue;
      newest = Math.max(newest, newestSourceMtime(p));
    } else {
      newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  }
  return newest;
}

export function dashboardIsStale(): boolean {
  const index = path.join(dashboardDist, 'index.html');
  if (!fs.existsSync(index)) return true;
  return newestSourceMtime(dashboardDir) > fs.statSync(index).mtimeMs;
}

/** Builds dashboard/dist with Vite if it is missing or stale; returns whether it built. */
export async function ensureDashboardBuilt(
  opts: { log?: (m: string) => void; force?: boolean } = {},
): Promise<boolean> {
  if (!opts.force && !dashboardIsStale()) return false;
  opts.log?.('Building the dashboard (dashboard/dist)…');
  const started = Date.now();
  // Build into a fresh directory and swap it in, so a concurrently running api or test never serves a
  // half-written dist. A child process with NODE_ENV=production: in-process, the test runner's
  // NODE_ENV=test would make the React plugin emit development JSX against React's production build.
  const tmp = `${dashboardDist}.tmp-${process.pid}`;
  const viteBin = path.join(
    path.dirname(createRequire(import.meta.url).resolve('vite/package.json')),
    'bin',
    'vite.js',
  );
  try {
    await run(
      process.execPath,
      [
        viteBin,
        'build',
        '--config',
        path.join(dashboardDir, 'vite.config.ts'),
        '--outDir',
        tmp,
        '--emptyOutDir',
        '--logLevel',
        'warn',
      ],
      {
        cwd: repoRoot,
        env: childEnv({ NODE_ENV: 'production' }),
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`Building the dashboard failed: ${(e.stderr || e.stdout || e.message).trim()}`, { cause: err });
  }
  const old = `${dashboardDist}.old-${process.pid}`;
  if (fs.existsSync(dashboardDist)) fs.renameSync(dashboardDist, old);
  fs.renameSync(tmp, dashboardDist);
  fs.rmSync(old, { recursive: true, force: true });
  opts.log?.(`Dashboard built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}
