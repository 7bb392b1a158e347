// Finds the Temporal CLI, or builds the pinned version from its Go module into the per-user cache.
// Order: TEMPORAL_CLI, then `temporal` on PATH, then the cache, then `go install` (minutes; shows progress).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { DevConfig } from './dev-config';
import { config } from '../../platform/config';
import { ensureGoTool, goToolPath, type GoTool } from './go-tool';

type Log = (msg: string) => void;

function onPath(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const found = r.status === 0 ? r.stdout.trim() : '';
  return found || null;
}

function cliTool(cfg: DevConfig): GoTool {
  return {
    name: 'temporal-cli',
    label: 'the Temporal CLI',
    module: cfg.cli.module,
    version: cfg.cli.version,
    binary: 'temporal',
    homepage: 'https://docs.temporal.io/cli',
  };
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
  const tool = cliTool(cfg);
  if (!fs.existsSync(goToolPath(tool)) && !onPath('go')) throw new Error(HOW_TO_INSTALL(cfg));
  return ensureGoTool(tool, log, undefined, signal);
}
