// Finds the Temporal CLI, or builds the pinned version from its Go module into the per-user cache.
// Order: TEMPORAL_CLI, then `temporal` on PATH, then the cache, then `go install` (minutes; shows progress).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { DevConfig } from './dev-config';
import { childEnv, config } from '../../platform/config';
import { userCacheDir } from '../../platform/paths';

type Log = (msg: string) => void;

function onPath(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const found = r.status === 0 ? r.stdout.trim() : '';
  return found || null;
}

function cachedBinary(cfg: DevConfig): string {
  return path.join(userCacheDir(), 'temporal-cli', cfg.cli.version, 'bin', 'temporal');
}

const HOW_TO_INSTALL = (cfg: DevConfig) =>
  `Temporal CLI not found: install Go (https://go.dev/dl) so it can be built, or install the CLI ` +
  `(https://docs.temporal.io/cli) and put \`temporal\` on PATH or set TEMPORAL_CLI=/path/to/temporal ` +
  `(wanted version ${cfg.cli.version}).`;

export async function resolveTemporalCli(cfg: DevConfig, log: Log, signal?: AbortSignal): Promise<string> {
  const fromEnv = config.TEMPORAL_CLI;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv))
      throw new Error(`TEMPORAL_CLI=${fromEnv} does not exist; point it at the temporal binary or unset it.`);
    return fromEnv;
  }
  const fromPath = onPath('temporal');
  if (fromPath) return fromPath;
  const cached = cachedBinary(cfg);
  if (fs.existsSync(cached)) return cached;
  if (!onPath('go')) throw new Error(HOW_TO_INSTALL(cfg));
  await buildWithGo(cfg, cached, log, signal);
  return cached;
}

async function buildWithGo(cfg: DevConfig, target: string, log: Log, signal?: AbortSignal): Promise<void> {
  const gobin = path.dirname(target);
  const partial = `${gobin}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  const pkg = `${cfg.cli.module}@${cfg.cli.version}`;
  log(
    `Building the Temporal CLI ${cfg.cli.version} from its Go module (one time per machine, a few minutes): go install ${pkg}`,
  );
  const started = Date.now();
  let lastLine = 'resolving modules';
  let downloads = 0;
  let compiled = 0;
  const child = spawn('go', ['install', '-v', pkg], {
    env: childEnv({ GOBIN: partial, GOFLAGS: '-mod=mod', GO111MODULE: 'on' }),
    stdio: ['ignore', 'pipe', 'pipe'],
    // A Ctrl-C sent to the launcher alone (not its process group) still ends the build.
    signal,
  });
  child.on('error', () => undefined); // an abort; 'close' reports it as a failed build
  const onLine = (line: string) => {
    if (!line.trim()) return;
    if (line.startsWith('go: downloading')) downloads += 1;
    else compiled += 1;
    lastLine = line.trim();
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      lines.forEach(onLine);
    });
  }
  // A heartbeat every 10 s so a long build never looks hung.
  const heartbeat = setInterval(() => {
    const secs = Math.round((Date.now() - started) / 1000);
    log(
      `  ... ${secs}s: ${downloads} modules downloaded, ${compiled} packages compiled (last: ${lastLine.slice(0, 90)})`,
    );
  }, 10_000);
  const code: number = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  clearInterval(heartbeat);
  if (signal?.aborted) throw new Error('Interrupted while building the Temporal CLI.');
  if (code !== 0 || !fs.existsSync(path.join(partial, 'temporal'))) {
    throw new Error(`go install ${pkg} failed (exit ${code}; last output: ${lastLine}). ${HOW_TO_INSTALL(cfg)}`);
  }
  // Rename into place only once complete, so an interrupted build never leaves a broken binary.
  fs.rmSync(gobin, { recursive: true, force: true });
  fs.renameSync(partial, gobin);
  log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)}s: ${target}`);
}
