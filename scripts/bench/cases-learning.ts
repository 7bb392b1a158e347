// The learn phase's queries (db/queries/learning.ts, group `learning`): measuring the outcomes of executed
// actions, suggestion feedback and high-performer behaviours. measureOutcomes needs executed actions whose
// window has closed; the case plants a cycle's worth of them (the per-type cap for every measured type,
// targeting real rows of the seeded data) in a transaction it rolls back, and times only the measurement.
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import { highPerformerBehaviours, suggestionFeedback } from '../../db/queries/learning';
import { measureOutcomes } from '../../db/repos/action-stats';
import { MEASURED_ACTION_TYPES } from '../../engine/learning/outcomes';
import {
  TYPE_CAP,
  benchCycleRow,
  inRolledBackCycle,
  type BenchCase,
  type BenchContext,
  type NativeStatement,
} from './case';

const DAY_S = 86_400;

/** How many due actions the measureOutcomes cases plant: the cap for each measured type (when the data has enough targets). */
export const PLANTED_ACTIONS = MEASURED_ACTION_TYPES.length * TYPE_CAP;

/**
 * TYPE_CAP executed actions per measured type, each executed long enough before `now` for its window
 * (engine/learning/outcomes.ts) to have closed: retried failed payments, nudged recent signups, and
 * activated users reached by retention campaigns, proactive outreach and upgrade offers.
 */
function plantActionsSql(db: Knex, cycleId: string, now: Date): Knex.Raw {
  return db.raw(
    `INSERT INTO engine.actions (id, cycle_id, phase, type, target_type, target_id, detection_confidence, confidence,
                                 mode, status, dry_run, executed_at, outcome_due_at)
     SELECT :cycleId || ':' || t.type || ':' || t.target_id, :cycleId, t.phase, t.type, t.target_type, t.target_id::text,
            1, 0.9, 'auto', 'executed', false,
            :now::timestamptz - make_interval(secs => t.executed_ago_s),
            :now::timestamptz - make_interval(secs => t.due_ago_s)
       FROM (
         (SELECT 'heal' AS phase, 'retry_payment' AS type, 'payment' AS target_type, p.id AS target_id,
                 ${2 * DAY_S} AS executed_ago_s, ${DAY_S} AS due_ago_s
            FROM app.payments p WHERE p.status = 'failed' ORDER BY p.id LIMIT :n)
         UNION ALL
         (SELECT 'optimize', 'onboarding_nudge', 'user', u.id, ${8 * DAY_S}, ${DAY_S}
            FROM app.users u
           WHERE u.deleted_at IS NULL AND u.created_at >= :now::timestamptz - interval '20 days'
           ORDER BY u.created_at, u.id LIMIT :n)
         UNION ALL
         (SELECT 'optimize', 'retention_campaign', 'user', u.id, ${8 * DAY_S}, ${DAY_S}
            FROM app.users u
           WHERE u.deleted_at IS NULL AND u.activated_at IS NOT NULL AND u.created_at >= :now::timestamptz - interval '60 days'
           ORDER BY u.created_at, u.id LIMIT :n)
         UNION ALL
         (SELECT 'prevent', 'proactive_retention', 'user', u.id, ${8 * DAY_S}, ${DAY_S}
            FROM app.users u
           WHERE u.deleted_at IS NULL AND u.activated_at IS NOT NULL AND u.created_at >= :now::timestamptz - interval '45 days'
           ORDER BY u.created_at, u.id LIMIT :n)
         UNION ALL
         (SELECT 'optimize', 'upgrade_offer', 'user', u.id, ${15 * DAY_S}, ${DAY_S}
            FROM app.users u
           WHERE u.deleted_at IS NULL AND u.activated_at IS NOT NULL AND u.created_at >= :now::timestamptz - interval '80 days'
           ORDER BY u.created_at, u.id LIMIT :n)
       ) t`,
    { cycleId, now, n: TYPE_CAP },
  );
}

function measureOutcomesSetup(ctx: BenchContext): NativeStatement[] {
  const row = benchCycleRow(ctx.now);
  return [
    ctx.db('engine.cycles').insert(row).toSQL().toNative(),
    plantActionsSql(ctx.db, row.id, ctx.now).toSQL().toNative(),
  ];
}

function skippedCount(r: { skipped: Record<string, Partial<Record<string, number>>> }): number {
  return Object.values(r.skipped).reduce((n, s) => n + Object.values(s).reduce((a: number, b) => a + (b ?? 0), 0), 0);
}

export const LEARN_TOTAL_CASE = 'learn phase queries';

export function learningCases(): BenchCase[] {
  return [
    {
      group: 'learning',
      name: 'measureOutcomes',
      explain: true,
      explainSetup: measureOutcomesSetup,
      run: ({ db, now }) =>
        inRolledBackCycle(db, now, async (trx, cycleId) => {
          await plantActionsSql(trx, cycleId, now);
          const started = performance.now();
          const r = await measureOutcomes(trx, now);
          const timedMs = performance.now() - started;
          return {
            note: `${r.measured} measured, ${skippedCount(r)} skipped (of ${TYPE_CAP} planted per type; planting untimed)`,
            timedMs,
          };
        }),
    },
    {
      group: 'learning',
      name: 'suggestionFeedback',
      explain: true,
      run: async ({ db, now }) => {
        const r = await suggestionFeedback(db, now);
        return `${r.resolved} resolved, adoption ${r.adoptionRate?.toFixed(3) ?? 'n/a'}, ECE ${r.calibration.ece?.toFixed(3) ?? 'n/a'}`;
      },
    },
    {
      group: 'learning',
      name: 'highPerformerBehaviours',
      explain: true,
      run: async ({ db, now }) => {
        const r = await highPerformerBehaviours(db, now);
        return `${r.users} judged users, ${r.retained} retained, ${r.eventNames} behaviours, top: ${r.topPositive.slice(0, 3).join(', ') || 'none'}`;
      },
    },
    {
      group: 'learning',
      name: LEARN_TOTAL_CASE,
      explain: false,
      run: ({ db, now }) =>
        inRolledBackCycle(db, now, async (trx, cycleId) => {
          await plantActionsSql(trx, cycleId, now);
          const started = performance.now();
          const outcomes = await measureOutcomes(trx, now);
          await suggestionFeedback(trx, now);
          await highPerformerBehaviours(trx, now);
          return {
            note: `measureOutcomes + suggestionFeedback + highPerformerBehaviours (${outcomes.measured} outcomes)`,
            timedMs: performance.now() - started,
          };
        }),
    },
  ];
}
