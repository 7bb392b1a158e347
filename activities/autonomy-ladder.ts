// The learn phase's sample-ratio-mismatch check and autonomy-ladder evaluation (docs/learning.md, docs/safety.md):
// per measured type, the observed treated/holdout split of the SRM window against the policy's share
// (a mismatch is a 'holdout:srm:<type>' finding, resolved once healthy); then each type's ladder step from
// its evidence, stored with the learning, the decision and the audit entry in one transaction. A retry finds
// the cycle's 'autonomy_ladder' learning and does not step twice.
import { holdoutSplits, shadowDecisionCounts } from '../db/queries/holdout-split';
import { listActionStats } from '../db/repos/action-stats';
import { appendAudit } from '../db/repos/audit';
import { applyLadder, listAutonomyLevels, type LadderWrite } from '../db/repos/autonomy-levels';
import { getPolicies } from '../db/repos/config';
import { recordFindings } from '../db/repos/findings';
import { learningsOfCycle, saveDecisions, saveLearning } from '../db/repos/learning';
import { ladderStep } from '../engine/autonomy/ladder';
import { effectiveLevel } from '../engine/autonomy/levels';
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

/** Every action type's ladder step this cycle, applied once. */
export async function evaluateLadder(
  db: ActivityDeps['db'],
  ctx: CycleContext,
  srm: Record<string, SrmResult>,
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
    const evidence = {
      shadowDecisions: shadowCounts.get(type) ?? 0,
      outcomes: s ? s.successes + s.failures : 0,
      uplift,
      srm: srm[type] ?? null,
      // Guardrail metrics (issue 13, item 3) plug in here once they exist: a credible breach demotes.
      guardrailBreach: null,
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
