// The learn phase's sample-ratio-mismatch check and autonomy-ladder evaluation (docs/learning.md, docs/safety.md):
// per measured type, the observed treated/holdout split of the SRM window against the policy's share
// (a mismatch is a 'holdout:srm:<type>' finding, resolved once healthy); then each type's ladder step from
// its evidence, stored with the learning, the decision and the audit entry in one transaction. A retry finds
// the cycle's 'autonomy_ladder' learning and does not step twice. Before the ladder, each message type's
// guardrails (docs/safety.md#guardrails): measured, tested, stored per (type, metric), a breach raised as a
// 'guardrail:<type>:<metric>' finding (resolved once no longer breached), a major breach demoting the type.
import { holdoutSplits, shadowDecisionCounts } from '../db/queries/holdout-split';
import { listActionStats } from '../db/repos/action-stats';
import { appendAudit } from '../db/repos/audit';
import { applyLadder, listAutonomyLevels, type LadderWrite } from '../db/repos/autonomy-levels';
import { getPolicies } from '../db/repos/config';
import { recordFindings } from '../db/repos/findings';
import { saveGuardrailResults, storedGuardrailStreams } from '../db/repos/guardrail-results';
import { guardrailCounts } from '../db/queries/guardrails';
import { GUARDRAILS_BY_TYPE, GUARDRAIL_TYPES } from '../engine/guardrails/metrics';
import {
  guardrailActionOf,
  guardrailFindings,
  guardrailStream,
  guardrailVerdict,
  ladderBreachOf,
  type GuardrailResult,
} from '../engine/guardrails/verdict';
import { learningsOfCycle, saveDecisions, saveLearning } from '../db/repos/learning';
import { ladderStep } from '../engine/autonomy/ladder';
import { ACTION_DEFINITION_VERSIONS, effectiveLevel } from '../engine/autonomy/levels';
import { decideLadder, type LadderEntry } from '../engine/decide/autonomy-ladder';
import { upliftOf } from '../engine/learning/holdout';
import { isMeasuredActionType } from '../engine/learning/outcomes';
import { srmFinding, srmTest, type SrmResult } from '../engine/learning/srm';
import { holdoutShareOf } from '../engine/safety/verdict';
import { ACTION_TYPES } from '../engine/types';
import type { CycleContext } from './context';
import type { ActivityDeps } from './deps';
import { allReads } from '../db/types';

const DAY_MS = 86_400_000;

/** Each measured type's SRM result over the policy's window; a mismatch opens (a healthy split resolves) its finding. */
export async function checkSampleRatios(db: ActivityDeps['db'], ctx: CycleContext): Promise<Record<string, SrmResult>> {
  const now = new Date(ctx.now);
  const policies = await getPolicies(db);
  const splits = await holdoutSplits(db, new Date(now.getTime() - policies.srm.windowDays * DAY_MS));
  const out: Record<string, SrmResult> = {};
  for (const [type, s] of splits) {
    const share = holdoutShareOf(policies, type);
    if (!isMeasuredActionType(type) || share <= 0) continue;
    out[type] = srmTest(s.treated, s.holdout, share, policies.srm.pValue);
  }
  const detected = Object.entries(out)
    .filter(([, r]) => r.status === 'mismatch')
    .map(([type, r]) => srmFinding(type, r));
  await recordFindings(db, ctx.cycleId, now, detected, { scope: ['holdout'] });
  return out;
}

/**
 * Every message type's guardrails at this cycle's now: the treated/holdout counts of each declared metric,
 * the always-valid test continued from the stored p-value (a changed definition starts a new stream from
 * now), the results stored (latest per type and metric) and a finding per breach. A retry of the same cycle
 * computes the same results (the running minimum of a p-value with itself is itself) and counts no second look.
 */
export async function evaluateGuardrails(db: ActivityDeps['db'], ctx: CycleContext): Promise<GuardrailResult[]> {
  const now = new Date(ctx.now);
  const [policies, stored] = await allReads(db, [() => getPolicies(db), () => storedGuardrailStreams(db)] as const);
  const streams = new Map(
    GUARDRAIL_TYPES.map((t) => [t, guardrailStream(stored.get(t) ?? [], ACTION_DEFINITION_VERSIONS[t], now)]),
  );
  const counts = await guardrailCounts(db, now, new Map([...streams].map(([t, s]) => [t, s.since])));
  const results: Array<GuardrailResult & { definitionVersion: number; since: string | null }> = [];
  for (const type of GUARDRAIL_TYPES) {
    const stream = streams.get(type)!;
    for (const metric of GUARDRAILS_BY_TYPE[type]) {
      const c = counts.get(type)!.get(metric)!;
      const prev = stream.previous.get(metric) ?? null;
      results.push({
        ...guardrailVerdict(type, metric, c.treated, c.holdout, policies.guardrails, prev),
        definitionVersion: ACTION_DEFINITION_VERSIONS[type],
        since: stream.since,
      });
    }
  }
  await db.transaction(async (trx) => {
    await saveGuardrailResults(trx, ctx.cycleId, now, results);
    await recordFindings(trx, ctx.cycleId, now, guardrailFindings(results), { scope: ['guardrail'] });
  });
  return results;
}

/** Every action type's ladder step this cycle, applied once; a major guardrail breach is a breach. */
export async function evaluateLadder(
  db: ActivityDeps['db'],
  ctx: CycleContext,
  srm: Record<string, SrmResult>,
  guardrails: readonly GuardrailResult[] = [],
): Promise<LadderEntry[]> {
  const saved = (await learningsOfCycle(db, ctx.cycleId)).autonomy_ladder;
  if (saved) return (saved.payload as { levels: LadderEntry[] }).levels;
  const now = new Date(ctx.now);
  const [policies, rows, stats, shadowCounts] = await allReads(db, [
    () => getPolicies(db),
    () => listAutonomyLevels(db),
    () => listActionStats(db),
    () => shadowDecisionCounts(db),
  ] as const);
  const rowOf = new Map(rows.map((r) => [r.actionType, r]));
  const statOf = new Map(stats.map((s) => [s.actionType, s]));
  const entries: LadderEntry[] = [];
  const writes: LadderWrite[] = [];
  for (const type of ACTION_TYPES) {
    const row = rowOf.get(type);
    const current = effectiveLevel(type, row);
    const s = statOf.get(type);
    const uplift =
      s && isMeasuredActionType(type)
        ? upliftOf(
            { successes: s.successes, failures: s.failures },
            { successes: s.holdoutSuccesses, failures: s.holdoutFailures },
          )
        : null;
    const typeGuardrails = guardrails.filter((g) => g.type === type);
    const evidence = {
      shadowDecisions: shadowCounts.get(type) ?? 0,
      outcomes: s ? s.successes + s.failures : 0,
      uplift,
      srm: srm[type] ?? null,
      guardrailBreach: ladderBreachOf(typeGuardrails),
    };
    const step = ladderStep(current, evidence, policies.autonomy_ladder);
    const reset = !row || current !== row.level;
    const pinned = row?.pinned ?? false;
    const level = pinned ? row!.level : step.level;
    const change = pinned ? null : (step.change ?? (reset ? 'reset' : null));
    const stored = {
      ...evidence,
      uplift: uplift && {
        uplift: uplift.uplift,
        interval: uplift.interval,
        treated: uplift.treated,
        holdout: uplift.holdout,
      },
    };
    entries.push({
      type,
      from: row?.level ?? 'shadow',
      level,
      change,
      pinned,
      reason: pinned
        ? `pinned at ${level} by ${row!.pinnedBy}: ${row!.pinnedReason}`
        : change === 'reset'
          ? `${step.reason} (new or changed definition)`
          : step.reason,
      nextStep: pinned ? `stays at ${level} until unpinned (the ladder would: ${step.nextStep})` : step.nextStep,
      srm: srm[type]?.status ?? null,
      guardrail: guardrailActionOf(typeGuardrails),
      evidence: stored,
    });
    writes.push({
      actionType: type,
      level,
      moved: !pinned && (step.change != null || reset),
      reason: entries.at(-1)!.reason,
      evidence: stored,
      nextStep: entries.at(-1)!.nextStep,
    });
  }
  const decision = decideLadder(entries);
  await db.transaction(async (trx) => {
    await applyLadder(trx, writes, now);
    await saveLearning(trx, ctx.cycleId, 'autonomy_ladder', { levels: entries });
    if (decision) await saveDecisions(trx, ctx.cycleId, [decision]);
    const moved = entries.filter((e) => e.change);
    if (moved.length)
      await appendAudit(trx, {
        actor: 'engine',
        cycleId: ctx.cycleId,
        event: 'autonomy.level',
        target: moved.map((e) => e.type).join(','),
        after: {
          changes: moved.map((e) => ({ type: e.type, from: e.from, to: e.level, change: e.change, reason: e.reason })),
        },
        dryRun: ctx.dryRun,
        dedupeKey: `autonomy.level:${ctx.cycleId}`,
      });
  });
  return entries;
}
