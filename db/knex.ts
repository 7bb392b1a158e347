// The knex instance factory shared by the worker, the api, scripts and tests.
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

// bigint ids and counts arrive as strings by default; our ids stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export type Db = Knex;

export function createDb(connectionString: string, opts: { poolMax?: number; applicationName?: string } = {}): Db {
  return knexFactory({
    client: 'pg',
    connection: { connectionString, application_name: opts.applicationName ?? 'floyo-engine' },
    pool: { min: 0, max: opts.poolMax ?? 10 },
  });
}
