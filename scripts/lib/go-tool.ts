// Installs a pinned Go tool (`go install <module>@<version>`) into the per-user cache, once per machine.
// The binary lands in <XDG_CACHE_HOME or ~/.cache>/floyo/<tool>/<version>/bin/<binary>, so every clone reuses it.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { childEnv } from '../../platform/config';
import { userCacheDir } from '../../platform/paths';

type Log = (msg: string) => void;

export interface GoTool {
  /** Directory name under the cache, e.g. 'stripe-mock'. */
  name: string;
  /** The Go package to install, e.g. 'github.com/stripe/stripe-mock'. */
  module: string;
  /** An exact version tag, e.g. 'v0.203.0'. */
  version: string;
  /** The installed binary's name (defaults to the module path's last element). */
  binary?: string;
  /** Where to get the tool without Go, for the error line. */
  homepage: string;
  /** How the progress lines call it (defaults to `name`), e.g. 'the Temporal CLI'. */
  label?: string;
}

export class GoMissingError extends Error {
  override readonly name = 'GoMissingError';
}

function binaryName(tool: GoTool): string {
  return tool.binary ?? tool.module.split('/').at(-1)!;
}

/** Where the tool's binary is (or will be) cached. */
/** `cacheHome` defaults to XDG_CACHE_HOME (else ~/.cache). */
export function goToolPath(tool: GoTool, cacheHome?: string): string {
  return path.join(userCacheDir(cacheHome), tool.name, tool.version, 'bin', binaryName(tool));
}

function goOnPath(): boolean {
  return spawnSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' }).status === 0;
}

/** Returns the cached binary, building it with `go install` first when it is missing (minutes; shows progress). */
export async function ensureGoTool(tool: GoTool, log: Log, cacheHome?: string, signal?: AbortSignal): Promise<string> {
  const target = goToolPath(tool, cacheHome);
  if (fs.existsSync(target)) return target;
  if (!goOnPath()) {
    throw new GoMissingError(
      `${tool.name} ${tool.version} is not built and Go is not on PATH: install Go (https://go.dev/dl) so it can be built once, or put the binary at ${target} (${tool.homepage}).`,
    );
  }
  await buildWithGo(tool, target, log, signal);
  return target;
}

async function buildWithGo(tool: GoTool, target: string, log: Log, signal?: AbortSignal): Promise<void> {
  const label = tool.label ?? tool.name;
  const gobin = path.dirname(target);
  // Per process, so two suites building at once never write into each other's directory.
  const partial = `${gobin}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  const pkg = `${tool.module}@${tool.version}`;
  log(`Building ${label} ${tool.version} from its Go module (one time per machine, minutes): go install ${pkg}`);
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
      `  ... ${label} ${secs}s: ${downloads} modules downloaded, ${compiled} packages compiled (last: ${lastLine.slice(0, 90)})`,
    );
  }, 10_000);
  const code: number = await new Promise((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (c) => resolve(c ?? 1));
  });
  clearInterval(heartbeat);
  if (signal?.aborted) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw new Error(`Interrupted while building ${label}.`);
  }
  const built = path.join(partial, binaryName(tool));
  if (code !== 0 || !fs.existsSync(built)) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw new Error(`go install ${pkg} failed (exit ${code}; last output: ${lastLine}).`);
  }
  // Rename into place only once complete, so an interrupted build never leaves a broken binary.
  if (fs.existsSync(target)) {
    fs.rmSync(partial, { recursive: true, force: true }); // another process finished first
  } else {
    fs.rmSync(gobin, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(gobin), { recursive: true });
    fs.renameSync(partial, gobin);
  }
  log(
    `${label.charAt(0).toUpperCase()}${label.slice(1)} built in ${Math.round((Date.now() - started) / 1000)}s: ${target}`,
  );
}
