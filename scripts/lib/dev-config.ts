// Reads temporal-dev.yml, the single source of truth for the local Temporal dev server.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { repoRoot } from '../../platform/paths';

const DevConfigSchema = z.object({
  cli: z.object({ version: z.string().regex(/^v\d+\.\d+\.\d+$/), module: z.string().min(1) }),
  server: z.object({
    ip: z.string().min(1),
    grpcPort: z.number().int().min(1).max(65535),
    uiPort: z.number().int().min(1).max(65535),
    dbFile: z.string().min(1),
    logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('warn'),
  }),
  dynamicConfig: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

export type DevConfig = z.infer<typeof DevConfigSchema> & { dbPath: string };

export function loadDevConfig(file = path.join(repoRoot, 'temporal-dev.yml')): DevConfig {
  const parsed = DevConfigSchema.safeParse(parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(
      `${file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return { ...parsed.data, dbPath: path.resolve(repoRoot, parsed.data.server.dbFile) };
}
