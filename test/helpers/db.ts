// A fresh, fully migrated database per test file, cloned from the template the global setup built (or an empty one,
// for a test that has its processes race to migrate it).
import { inject } from 'vitest';
import pg from 'pg';
import { createDb, type Db } from '../../db/knex';

export interface TestDb {
  db: Db;
  url: string;
  name: string;
  drop(): Promise<void>;
}

let counter = 0;

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDb(label: string, opts: { migrated?: boolean } = {}): Promise<TestDb> {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30);
  const name = `floyo_t_${safe}_${process.pid}_${++counter}`;
  const template = inject('pgTemplateDb');
  await admin(async (c) => {
    if (opts.migrated === false) return void (await c.query(`create database "${name}"`));
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(`create database "${name}" template "${template}"`);
        return;
      } catch (err) {
        // 55006: the template is briefly in use by another file's clone; try again.
        if ((err as { code?: string }).code !== '55006' || attempt > 50) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  });
  const url = new URL(inject('pgAdminUrl'));
  url.pathname = `/${name}`;
  const db = createDb(url.toString(), { poolMax: 5, applicationName: `test:${safe}` });
  return {
    db,
    url: url.toString(),
    name,
    drop: async () => {
      await db.destroy();
      await admin((c) => c.query(`drop database if exists "${name}" with (force)`));
    },
  };
}
