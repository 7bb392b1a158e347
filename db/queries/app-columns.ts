// The columns of every table, view and materialized view in schema `app`, with their types as format_type
// names them (a domain resolved to its base type), for the data-contract check.
import type { Db } from '../knex';

export interface AppColumn {
  table: string;
  column: string;
  /** e.g. 'timestamp with time zone', 'character varying(255)'. */
  type: string;
  /** 'table' for tables (ordinary, partitioned, foreign), 'view' for views and materialized views. */
  relation: 'table' | 'view';
  notNull: boolean;
}

export async function listAppColumns(db: Db, schema = 'app'): Promise<AppColumn[]> {
  const { rows } = (await db.raw(
    `select c.relname as "table", a.attname as "column",
            case when t.typtype = 'd' then format_type(t.typbasetype, t.typtypmod)
                 else format_type(a.atttypid, a.atttypmod) end as "type",
            case when c.relkind in ('v', 'm') then 'view' else 'table' end as relation,
            a.attnotnull as "notNull"
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid
       join pg_type t on t.oid = a.atttypid
      -- A partition's columns are its parent's (app.events is partitioned by month).
      where n.nspname = ? and c.relkind in ('r', 'p', 'f', 'v', 'm') and not c.relispartition
        and a.attnum > 0 and not a.attisdropped
      order by c.relname, a.attnum`,
    [schema],
  )) as { rows: AppColumn[] };
  return rows;
}
