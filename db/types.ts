// What every db module shares: the Queryable a query runs on, and the conversions between rows and values.
import type { Knex } from 'knex';

/** A connection or a transaction: every repo function runs on either. */
export type Queryable = Knex | Knex.Transaction;

/** A timestamp column as ISO text; null stays null. */
export function iso(v: unknown): string | null {
  return v == null ? null : new Date(v as string | Date).toISOString();
}

/** jsonb columns get JSON text: node-pg would turn a JS array into a Postgres array literal. */
export function json(v: unknown): string | null {
  return v === undefined || v === null ? null : JSON.stringify(v);
}

/** Runs `fn` in the caller's transaction when it has one, else in a new one. */
export async function inTransaction<T>(db: Queryable, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  if ((db as Knex.Transaction).isTransaction) return fn(db as Knex.Transaction);
  return (db as Knex).transaction(fn);
}

/**
 * Runs independent reads side by side on a pool, and one after another on a transaction: a transaction is one
 * connection, where pg 8 queues overlapping queries with a deprecation warning and pg 9 refuses them.
 */
export async function allReads<T extends readonly (() => Promise<unknown>)[]>(
  db: Queryable,
  reads: T,
): Promise<{ -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  if (!(db as Knex.Transaction).isTransaction) return (await Promise.all(reads.map((r) => r()))) as never;
  const out: unknown[] = [];
  for (const r of reads) out.push(await r());
  return out as never;
}
