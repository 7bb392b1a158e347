// Command-line arguments of `npm run seed`, validated with zod into the generator's options.
import path from 'node:path';
import { z } from 'zod';
import { parseFlags, type FlagSpec } from '../lib/flags';
import { MIN_USERS } from './planted';
import { MAX_SEED } from './random';

export const SEED_USAGE = 'usage: npm run seed -- [--users N] [--seed S] [--now ISO-8601] [--manifest path]';

export const MAX_USERS = 10_000_000;
export const DEFAULT_USERS = 10_000;
export const DEFAULT_SEED = 42;

export interface SeedArgs {
  users: number;
  seed: number;
  now: Date;
  manifestPath: string;
}

export type ParsedSeedArgs = { ok: true; args: SeedArgs } | { ok: true; help: true } | { ok: false; error: string };

/** A date, or a date-time with Z or an offset: a time without a zone would depend on the machine's TZ. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

const integer = (flag: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${flag} must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `${flag} must be at least ${min}`).max(max, `${flag} must be at most ${max}`));

const schema = z.object({
  users: integer('--users', MIN_USERS, MAX_USERS).optional(),
  seed: integer('--seed', 0, MAX_SEED).optional(),
  now: z
    .string()
    .regex(ISO_INSTANT, '--now must be an ISO-8601 date or date-time with a zone, e.g. 2026-11-20T12:00:00Z')
    .refine((s) => !Number.isNaN(Date.parse(s)), '--now is not a valid date')
    .optional(),
  manifest: z.string().min(1, '--manifest needs a file path').optional(),
});

const FLAGS = {
  users: { type: 'string' },
  seed: { type: 'string' },
  now: { type: 'string' },
  manifest: { type: 'string' },
} as const satisfies FlagSpec;
type Flag = keyof typeof FLAGS;

/** The current time truncated to the hour: the default anchor, so reruns within the hour give the same data. */
export function defaultNow(clock: Date = new Date()): Date {
  const d = new Date(clock.getTime());
  d.setUTCMinutes(0, 0, 0);
  return d;
}

/** Parses `--flag value` / `--flag=value` pairs. Never throws: a bad argument yields one explanatory line. */
export function parseSeedArgs(
  argv: readonly string[],
  opts: { clock?: Date; defaultManifestPath: string; cwd?: string },
): ParsedSeedArgs {
  const flags = parseFlags(argv, FLAGS);
  if (!flags.ok || flags.help) return flags;
  const raw = flags.values as Partial<Record<Flag, string>>;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = issue?.path[0];
    const got = typeof flag === 'string' ? raw[flag as Flag] : undefined;
    return {
      ok: false,
      error: `${issue?.message ?? 'invalid arguments'}${got !== undefined ? ` (got "${got}")` : ''}`,
    };
  }
  const v = parsed.data;
  return {
    ok: true,
    args: {
      users: v.users ?? DEFAULT_USERS,
      seed: v.seed ?? DEFAULT_SEED,
      now: v.now ? new Date(v.now) : defaultNow(opts.clock),
      manifestPath: v.manifest ? path.resolve(opts.cwd ?? process.cwd(), v.manifest) : opts.defaultManifestPath,
    },
  };
}
