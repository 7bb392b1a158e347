// Well-known locations: the repo root, its .data/ directory and the per-user cache.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const dataDir = path.join(repoRoot, '.data');

/** Per-user cache outside the repo, so every clone on this machine reuses one Temporal CLI build. */
export function userCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'floyo');
}
