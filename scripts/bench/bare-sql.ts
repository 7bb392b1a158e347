// The bare-SQL baselines of the cycle bench: the statements that compute a phase's counts straight from
// app.events and the other app tables (the KPIs without rollups, every detector, the learn phase's analytics,
// the optimize planners' target queries its KPIs call for), captured once through knex and then replayed back to back on one
// pg connection, as psql would run them: the floor a phase's SQL cannot go below without doing less work.
import pg from 'pg';
import type { Knex } from 'knex';
import { computeKpiCounts, kpisFromCounts } from '../../db/queries/kpis';
import type { DetectedFinding, KpiResult } from '../../engine/types';
import { runAllDetectors } from '../../db/queries/detectors';
import { queryBehaviourCounts, querySuggestionBins } from '../../db/queries/learning';
import { queryAtRiskUsers, queryRecentNonActivatedSignups, queryUpgradeCandidates } from '../../db/queries/targets';
import { measureOutcomes } from '../../db/repos/action-stats';
import { kpiDrivenTargets } from '../../engine/planning/kpi-driven-targets';
import { CONTACT_WINDOW_DAYS, DETECTOR_OPTIONS, KPI_OPTIONS, TYPE_CAP } from './case';
import type { CapturedStatement } from './explain';
import { durationStats, type DurationStats } from './runner';

const DAY_MS = 86_400_000;

export const BARE_PHASES = ['analyze', 'learn', 'optimize'] as const;
export type BarePhase = (typeof BARE_PHASES)[number];

/** Every statement `fn` sends through `db`, in order (reads of any schema; the baselines write nothing). */
async function captureAll(db: Knex, fn: () => Promise<unknown>): Promise<CapturedStatement[]> {
  const out: CapturedStatement[] = [];
  const onQuery = (q: { sql?: string; bindings?: unknown[] }) => {
    if (typeof q.sql === 'string' && /^\s*(select|with)\b/i.test(q.sql))
      out.push({ sql: q.sql, bindings: q.bindings ?? [] });
  };
  db.on('query', onQuery);
  try {
    await fn();
  } finally {
    db.removeListener('query', onQuery);
  }
  return out;
}

/** The statements of each phase's counts, computed from app.events alone (never the rollups). */
export async function captureBareStatements(db: Knex, now: Date): Promise<Record<BarePhase, CapturedStatement[]>> {
  const messages = { limit: TYPE_CAP, contactedSince: new Date(now.getTime() - CONTACT_WINDOW_DAYS * DAY_MS) };
  let kpis: KpiResult[] = [];
  let detected: DetectedFinding[] = [];
  const analyze = await captureAll(db, async () => {
    kpis = kpisFromCounts(await computeKpiCounts(db, now, { source: 'events' }), KPI_OPTIONS);
    detected = await runAllDetectors(db, now, { ...DETECTOR_OPTIONS, kpis });
  });
  // The optimize phase reads only the target lists whose KPI is below target: so does its baseline.
  const needed = kpiDrivenTargets(detected, kpis);
  return {
    analyze,
    learn: await captureAll(db, async () => {
      const trx = await db.transaction();
      try {
        await measureOutcomes(trx, now);
      } finally {
        await trx.rollback();
      }
      await querySuggestionBins(db, now);
      await queryBehaviourCounts(db, now);
    }),
    optimize: await captureAll(db, async () => {
      if (needed.recentSignups) await queryRecentNonActivatedSignups(db, now, messages);
      if (needed.atRiskUsers) await queryAtRiskUsers(db, now, messages);
      if (needed.upgradeCandidates) await queryUpgradeCandidates(db, now, messages);
    }),
  };
}

/** Replays the statements `repeat` times on one connection; the duration of each full pass. */
export async function replayStatements(
  url: string,
  statements: CapturedStatement[],
  repeat: number,
): Promise<DurationStats> {
  // Nothing to replay (no target list called for): 0, which the verdicts report as not measured.
  if (!statements.length) return durationStats([0]);
  const client = new pg.Client({ connectionString: url, application_name: 'floyo-bench-bare-sql' });
  await client.connect();
  try {
    const runs: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const started = performance.now();
      // In a transaction rolled back: a captured WITH … UPDATE must not change the bench data.
      await client.query('BEGIN');
      for (const s of statements) await client.query(s.sql, s.bindings as unknown[]);
      await client.query('ROLLBACK');
      runs.push(performance.now() - started);
    }
    return durationStats(runs);
  } finally {
    await client.end();
  }
}
