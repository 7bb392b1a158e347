// `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded dev database).
import { createDb } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { ensurePostgres } from './lib/postgres';

const pgHandle = await ensurePostgres({ log: (m) => console.log(m) });
const db = createDb(pgHandle.url);
try {
  const applied = await migrateLatest(db);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
} finally {
  await db.destroy();
  await pgHandle.stop();
}
