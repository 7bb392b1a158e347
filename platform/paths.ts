// Well-known locations: the repo root, its .data/ directory, the dashboard's build and the per-user cache.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { config } from './config';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const dataDir = path.join(repoRoot, '.data');
export const dashboardDir = path.join(repoRoot, 'dashboard');
/** Where Vite builds the dashboard and the api serves it from. */
export const dashboardDist = path.join(dashboardDir, 'dist');

/** Per-user cache outside the repo, so every clone on this machine reuses one Temporal CLI build. */
export function userCacheDir(cacheHome = config.XDG_CACHE_HOME): string {
  return path.join(cacheHome ?? path.join(os.homedir(), '.cache'), 'floyo');
}
