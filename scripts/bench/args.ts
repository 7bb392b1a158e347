// Command-line arguments of `npm run bench`, validated with zod. Never throws: a bad argument yields
// one explanatory line, which the entrypoint prints before exiting with code 2.
import { z } from 'zod';
import { parseFlags, type FlagSpec } from '../lib/flags';
import { MIN_USERS } from '../seed/planted';
import { MAX_SEED } from '../seed/random';

export const BENCH_GROUPS = ['kpis', 'detectors', 'findings', 'analyze', 'targets', 'learning'] as const;
export type BenchGroup = (typeof BENCH_GROUPS)[number];

export const BENCH_USAGE =
  'usage: npm run bench -- [--users N] [--seed S] [--repeat R] [--reseed] [--only ' +
  `${BENCH_GROUPS.join('|')}[,...]] [--explain] [--strict] [--http | --cycle]`;

export const BENCH_DEFAULTS = { users: 1_000_000, seed: 42, repeat: 3 } as const;
export const MAX_BENCH_USERS = 10_000_000;
export const MAX_REPEAT = 100;

export interface BenchArgs {
  users: number;
  seed: number;
  repeat: number;
  reseed: boolean;
  /** The groups to run, in BENCH_GROUPS order (all of them unless --only). */
  only: BenchGroup[];
  explain: boolean;
  strict: boolean;
  /** Load the api's read routes over HTTP instead of timing the SQL (scripts/bench/http.ts). */
  http: boolean;
  /** Whole cycles on a worker at N and N/10 users, with the bare-SQL baselines (scripts/bench/cycle.ts). */
  cycle: boolean;
}

export type ParsedBenchArgs = { ok: true; args: BenchArgs } | { ok: true; help: true } | { ok: false; error: string };

const integer = (flag: string, min: number, max: number) =>
  z
    .string()
    // Underscores allowed so that --users 1_000_000 reads like the code.
    .regex(/^\d[\d_]*$/, `${flag} must be a whole number between ${min} and ${max}`)
    .transform((s) => Number(s.replace(/_/g, '')))
    .pipe(z.number().min(min, `${flag} must be at least ${min}`).max(max, `${flag} must be at most ${max}`));

const schema = z.object({
  users: integer('--users', MIN_USERS, MAX_BENCH_USERS).optional(),
  seed: integer('--seed', 0, MAX_SEED).optional(),
  repeat: integer('--repeat', 1, MAX_REPEAT).optional(),
  only: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.enum(BENCH_GROUPS, { error: `--only takes a comma-separated list of ${BENCH_GROUPS.join(', ')}` }))
        .min(1, `--only needs at least one of ${BENCH_GROUPS.join(', ')}`),
    )
    .optional(),
  reseed: z.literal(true).optional(),
  explain: z.literal(true).optional(),
  strict: z.literal(true).optional(),
  http: z.literal(true).optional(),
  cycle: z.literal(true).optional(),
});

const FLAGS = {
  users: { type: 'string' },
  seed: { type: 'string' },
  repeat: { type: 'string' },
  only: { type: 'string' },
  reseed: { type: 'boolean' },
  explain: { type: 'boolean' },
  strict: { type: 'boolean' },
  http: { type: 'boolean' },
  cycle: { type: 'boolean' },
} as const satisfies FlagSpec;
type Flag = keyof typeof FLAGS;

/** Parses `--flag value` / `--flag=value` pairs and bare switches. */
export function parseBenchArgs(argv: readonly string[]): ParsedBenchArgs {
  const flags = parseFlags(argv, FLAGS);
  if (!flags.ok || flags.help) return flags;
  const raw = flags.values as Partial<Record<Flag, string | true>>;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = issue?.path[0];
    const got = typeof flag === 'string' ? raw[flag as Flag] : undefined;
    return {
      ok: false,
      error: `${issue?.message ?? 'invalid arguments'}${typeof got === 'string' ? ` (got "${got}")` : ''}`,
    };
  }
  const v = parsed.data;
  if (v.http && v.cycle) return { ok: false, error: '--http and --cycle exclude each other' };
  const only = v.only ? BENCH_GROUPS.filter((g) => v.only!.includes(g)) : [...BENCH_GROUPS];
  return {
    ok: true,
    args: {
      users: v.users ?? BENCH_DEFAULTS.users,
      seed: v.seed ?? BENCH_DEFAULTS.seed,
      repeat: v.repeat ?? BENCH_DEFAULTS.repeat,
      reseed: v.reseed === true,
      only,
      explain: v.explain === true,
      strict: v.strict === true,
      http: v.http === true,
      cycle: v.cycle === true,
    },
  };
}
