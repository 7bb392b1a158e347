// `npm run api-key -- --name alice --role operator`: creates an API key and prints it once (only its
// SHA-256 hash is stored). Roles: viewer (read), operator (dry-run cycles, approvals), admin (live
// cycles, thresholds, policies, schedules).
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createApiKey, ROLES } from '../api/repositories/api-keys';
import { createDb } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { ensurePostgres } from './lib/postgres';

const USAGE = 'usage: npm run api-key -- --name <who> --role viewer|operator|admin';
const Args = z.object({ name: z.string().trim().min(1, 'name must not be empty').max(100), role: z.enum(ROLES) });

let args: z.infer<typeof Args>;
try {
  const { values } = parseArgs({ options: { name: { type: 'string' }, role: { type: 'string' } }, strict: true });
  const parsed = Args.safeParse(values);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
  args = parsed.data;
} catch (err) {
  console.error(`api-key: ${(err as Error).message}. ${USAGE}`);
  process.exit(2);
}

const pg = await ensurePostgres({ log: () => undefined });
const db = createDb(pg.url, { poolMax: 1 });
try {
  await migrateLatest(db);
  const { key, principal } = await createApiKey(db, args.name, args.role);
  console.log(`Created ${principal.role} key "${principal.name}" (id ${principal.id}). It is shown only now:\n${key}`);
} finally {
  await db.destroy();
  await pg.stop();
}
