// What a production entrypoint needs from its process: whether it is the module node was started with,
// the settings it cannot run without, and a one-line exit when it cannot start.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type Config } from './config';

/** True when `metaUrl` (import.meta.url) is the script node was started with, not an import. */
export function isEntrypoint(metaUrl: string): boolean {
  const entry = process.argv[1] ? path.resolve(process.argv[1]) : '';
  return entry === fileURLToPath(metaUrl);
}

/** DATABASE_URL and TEMPORAL_ADDRESS, which a production process needs; a ConfigError naming the first unset. */
export function requireServers(cfg: Config, launcher: string): { databaseUrl: string; temporalAddress: string } {
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS'] as const) {
    if (!cfg[name])
      throw new ConfigError(`${name} is unset: set it, or run \`${launcher}\`, which starts the embedded one`);
  }
  return { databaseUrl: cfg.DATABASE_URL!, temporalAddress: cfg.TEMPORAL_ADDRESS! };
}

/** Prints `prefix message` on one line (no stack trace) and exits 1. */
export function exitWithError(prefix: string, err: unknown): never {
  process.stderr.write(`${prefix} ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
