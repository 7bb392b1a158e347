// What every step of the demo-data generator shares: the transaction, the seeded randomness, the
// anchor time as a SQL literal, and the progress callback.
import type { Knex } from 'knex';
import { randomSql, tsLiteral, type Rnd } from './random';

export const DAY_S = 86_400;
export const HOUR_S = 3_600;

/** Signups are spread over this many days before `now`. */
export const SIGNUP_SPAN_DAYS = 90;

/**
 * Users per batch for the per-user row streams (events, suggestions): bounds each statement's memory.
 * The oldest 50k users carry ~1.5M events, whose id-assigning sort then stays within work_mem.
 */
export const USER_BATCH = 50_000;

export interface SeedContext {
  trx: Knex.Transaction;
  users: number;
  seed: number;
  now: Date;
  /** `now` as a timestamptz SQL literal. */
  T: string;
  rnd: Rnd;
  progress: (msg: string) => void;
}

export function createContext(
  trx: Knex.Transaction,
  opts: { users: number; seed: number; now: Date; onProgress?: (msg: string) => void },
): SeedContext {
  return {
    trx,
    users: opts.users,
    seed: opts.seed,
    now: opts.now,
    T: tsLiteral(opts.now),
    rnd: randomSql(opts.seed),
    progress: opts.onProgress ?? (() => undefined),
  };
}

/** Runs one statement without bindings (every value in the generator's SQL is a validated literal). */
export async function exec(ctx: SeedContext, sql: string): Promise<number> {
  const res = (await ctx.trx.raw(sql)) as { rowCount?: number | null };
  return res.rowCount ?? 0;
}

export async function scalar(ctx: SeedContext, sql: string): Promise<number> {
  const { rows } = (await ctx.trx.raw(sql)) as { rows: Array<Record<string, unknown>> };
  const row = rows[0];
  const value = row ? Object.values(row)[0] : undefined;
  return Number(value ?? 0);
}

/** 12345 → "12,345" for progress lines. */
export function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
