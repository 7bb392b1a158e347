// Checksums of every table of schema `app`, to prove a run left the platform's data untouched.
import type { Db } from '../../db/knex';

export async function appChecksums(db: Db): Promise<Record<string, string>> {
  const tables: string[] = await db('information_schema.tables')
    .where({ table_schema: 'app', table_type: 'BASE TABLE' })
    .orderBy('table_name')
    .pluck('table_name');
  const out: Record<string, string> = {};
  for (const table of tables) {
    const { rows } = (await db.raw(
      `select count(*) || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '') as sum from app.${table} t`,
    )) as {
      rows: Array<{ sum: string }>;
    };
    out[table] = rows[0]!.sum;
  }
  return out;
}
