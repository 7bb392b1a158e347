// What a benchmark case is, what every case gets, and the rolled-back transaction the writing cases run in.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { DetectorOptions } from '../../db/queries/detectors';
import type { DetectedFinding, KpiResult } from '../../engine/types';
import type { SeedManifest } from '../seed/manifest';
import type { BenchGroup } from './args';

/** The defaults of engine.thresholds / engine.policies version 1 (migrations/…_default_config.ts). */
export const KPI_OPTIONS = { minSample: 30, grossMargin: 0.8 } as const;
export const DETECTOR_OPTIONS: DetectorOptions = { maxAttempts: 4 };
/** policies.type_caps.default: the most rows a planner's target query returns per cycle. */
export const TYPE_CAP = 500;
/** policies.contact_cap.windowDays. */
export const CONTACT_WINDOW_DAYS = 7;

export interface BenchContext {
  db: Knex;
  now: Date;
  manifest: SeedManifest;
  /** Computed once before the cases run: the input of the cases that need KPI results or findings. */
  kpis: KpiResult[];
  detected: DetectedFinding[];
}

/** A statement in node-postgres form ($1, $2... placeholders). */
export interface NativeStatement {
  sql: string;
  bindings: readonly unknown[];
}

/** A case's result: a note for the report and, when the case also prepares data, the time of the part under test. */
export interface CaseOutput {
  note: string;
  timedMs: number;
}

export interface BenchCase {
  group: BenchGroup;
  name: string;
  /** Runs the case once; returns a short description of what it produced (shown in the report). */
  run(ctx: BenchContext): Promise<string | CaseOutput>;
  /** Whether --explain looks at its statements (false when another case already issues the same ones). */
  explain: boolean;
  /**
   * Statements that recreate, in the EXPLAIN transaction, the rows the case writes before its statements
   * run (its rolled-back data): the EXPLAIN then sees what the timed run saw.
   */
  explainSetup?: (ctx: BenchContext) => NativeStatement[];
}

/** The engine.cycles row the writing cases hang their rows on. */
export function benchCycleRow(now: Date, cycleId = `bench-${crypto.randomUUID()}`) {
  return {
    id: cycleId,
    kind: 'cycle',
    trigger: 'cli',
    requested_by: 'bench',
    dry_run: false,
    phases: ['analyze', 'learn'],
    logical_now: now,
  };
}

/**
 * Runs fn in a transaction on a fresh engine.cycles row and rolls it all back: the work (locks, upserts,
 * audit rows, index maintenance) is really done, but nothing stays behind, so every repetition does the
 * same work and the bench database stays as seeded.
 */
export async function inRolledBackCycle<T>(
  db: Knex,
  now: Date,
  fn: (trx: Knex.Transaction, cycleId: string) => Promise<T>,
): Promise<T> {
  const trx = await db.transaction();
  try {
    const row = benchCycleRow(now);
    await trx('engine.cycles').insert(row);
    return await fn(trx, row.id);
  } finally {
    await trx.rollback();
  }
}
