// `npm run keys -- create --role admin [--name alice]` creates an API key and prints it once (only its
// SHA-256 hash is stored); `npm run keys -- ls` lists the active keys; `npm run keys -- revoke <id>`
// revokes one. Roles: viewer (read), operator (dry-run cycles, approvals), admin (live cycles,
// thresholds, policies, schedules, keys). Works on DATABASE_URL or the embedded PostgreSQL.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createApiKey, getApiKeyInfo, listApiKeys, revokeApiKey, ROLES } from '../db/repos/api-keys';
import { createDb } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { ensurePostgres } from './lib/postgres';

const USAGE = [
  'usage: npm run keys -- create --role viewer|operator|admin [--name <who>]',
  '       npm run keys -- ls [--all]',
  '       npm run keys -- revoke <id>',
].join('\n');

const Create = z.object({ name: z.string().trim().min(1, 'must not be empty').max(100), role: z.enum(ROLES) });

type Command =
  | { kind: 'create'; name: string; role: (typeof ROLES)[number] }
  | { kind: 'ls'; all: boolean }
  | { kind: 'revoke'; id: number };

function parse(argv: string[]): Command {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      all: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  // `npm run api-key -- --name x --role y` (the older form) means create.
  const [verb = 'create', ...rest] = positionals;
  if (verb === 'create') {
    const parsed = Create.safeParse({
      name: values.name ?? `${os.userInfo().username}-${values.role ?? 'key'}`,
      role: values.role,
    });
    if (!parsed.success)
      throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
    return { kind: 'create', ...parsed.data };
  }
  if (verb === 'ls' || verb === 'list') return { kind: 'ls', all: values.all ?? false };
  if (verb === 'revoke') {
    const id = Number(rest[0]);
    if (!Number.isSafeInteger(id) || id < 1)
      throw new Error(`revoke needs a key id (a positive integer), got '${rest[0] ?? ''}'`);
    return { kind: 'revoke', id };
  }
  throw new Error(`unknown command '${verb}'`);
}

let command: Command;
try {
  command = parse(process.argv.slice(2));
} catch (err) {
  console.error(`keys: ${(err as Error).message.split('\n')[0]}\n${USAGE}`);
  process.exit(2);
}

const pg = await ensurePostgres({ log: () => undefined });
const db = createDb(pg.url, { poolMax: 1 });
let exitCode = 0;
try {
  await migrateLatest(db);
  if (command.kind === 'create') {
    const { key, principal } = await createApiKey(db, command.name, command.role);
    console.log(
      `Created ${principal.role} key "${principal.name}" (id ${principal.id}). It is shown only now:\n${key}`,
    );
  } else if (command.kind === 'ls') {
    const keys = await listApiKeys(db, { includeRevoked: command.all });
    if (!keys.length) console.log('No API keys.');
    for (const k of keys)
      console.log(
        `${String(k.id).padStart(5)}  ${k.role.padEnd(8)}  ${k.name}  created ${k.createdAt}${k.revokedAt ? `  revoked ${k.revokedAt}` : ''}`,
      );
  } else {
    const info = await getApiKeyInfo(db, command.id);
    if (!info) {
      console.error(`keys: no key with id ${command.id} (npm run keys -- ls lists them)`);
      exitCode = 1;
    } else {
      await revokeApiKey(db, command.id);
      console.log(`Revoked ${info.role} key "${info.name}" (id ${info.id}).`);
    }
  }
} finally {
  await db.destroy();
  await pg.stop();
}
process.exit(exitCode);
