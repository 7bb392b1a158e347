// Where the dev stack keeps its state and which dev-server settings it reads. FLOYO_DATA_DIR and
// FLOYO_TEMPORAL_DEV_CONFIG exist so a test can run a second, isolated stack beside the shared one.
import path from 'node:path';
import { config } from '../../platform/config';
import { dataDir, repoRoot } from '../../platform/paths';

/** The stack's state directory (admin key, seed manifest, embedded PostgreSQL, logs): `.data/` by default. */
export function launchDataDir(): string {
  return config.FLOYO_DATA_DIR ? path.resolve(config.FLOYO_DATA_DIR) : dataDir;
}

/** The dev-server settings file: `temporal-dev.yml` by default. */
export function devConfigFile(): string {
  return config.FLOYO_TEMPORAL_DEV_CONFIG
    ? path.resolve(config.FLOYO_TEMPORAL_DEV_CONFIG)
    : path.join(repoRoot, 'temporal-dev.yml');
}
