// The heal, optimize and prevent phases: load findings, KPIs and bounded target rows, let the pure
// planners turn them into actions, pass every action through the gates and the effect pipeline, and
// start an approval workflow for each action that needs an operator. The cycle never waits for those.
import type { Knex } from 'knex';
import { listActionStats } from '../db/repos/action-stats';
import {
  queryAtRiskUsers,
  queryChurnSignalUsers,
  queryOrphanedActiveSubscriptions,
  queryRecentNonActivatedSignups,
  queryRetryablePayments,
  queryUnnormalizedEmails,
  queryUpgradeCandidates,
} from '../db/queries/targets';
import {
  fixAttemptCounts,
  inFlightTargets,
  messagedUserIdsOfCycle,
  phaseActionIdsInStatus,
  phaseStatusCounts,
} from '../db/repos/actions';
import { campaignsByApproval } from '../db/repos/campaigns';
import { isPhasePlanned } from '../db/repos/cycle-phases';
import { getPolicies } from '../db/repos/config';
import { previousMeasuredCycleId } from '../db/repos/cycles';
import { listCycleFindings, listOpenFindings, recordFindings } from '../db/repos/findings';
import { hasKpiSnapshots, kpiSnapshotsOf, latestKpiSnapshots } from '../db/repos/kpi-snapshots';
import { approvalReminderLeads } from '../engine/approvals/reminder-leads';
import { dataQualityCounts, dataQualityDrift } from '../engine/planning/drift';
import { planHeal } from '../engine/planning/heal';
import { kpiDrivenTargets } from '../engine/planning/kpi-driven-targets';
import { MESSAGE_TEMPLATES } from '../engine/planning/messages';
import { planOptimize } from '../engine/planning/optimize';
import { planPrevent } from '../engine/planning/prevent';
import type { SuccessPosteriors } from '../engine/planning/common';
import { applyFixBudget, fixBudgetFindings, isBudgetedFix } from '../engine/safety/fix-budget';
import { contactWindowStart } from '../engine/safety/windows';
import type { ActionPlan, ActionType, DetectedFinding, KpiResult, Phase } from '../engine/types';
import type { CycleContext, PhaseSummary } from './context';
import type { ActivityDeps } from './deps';
import { ensurePhaseCampaigns } from './campaigns';
import { executeAction } from './effects/executor';
import { processPlans } from './effects/pipeline';
import { withPhase } from './phase-record';

type Policies = Awaited<ReturnType<typeof getPolicies>>;

interface PlanningContext {
  now: Date;
  policies: Policies;
  findings: DetectedFinding[];
  kpis: KpiResult[];
  posteriors: SuccessPosteriors;
  cap: (type: ActionType) => number;
  contactedSince: Date;
  /** Users an earlier phase of this cycle already planned a message for. */
  messagedUserIds: string[];
}

async function planningContext(db: Knex, ctx: CycleContext, policies: Policies): Promise<PlanningContext> {
  const now = new Date(ctx.now);
  const findings = await listOpenFindings(db);
  const own = await kpiSnapshotsOf(db, ctx.cycleId);
  const kpis = own.length ? own : await latestKpiSnapshots(db);
  const stats = await listActionStats(db);
  const posteriors: SuccessPosteriors = Object.fromEntries(
    stats.map((s) => [s.actionType, { alpha: s.alpha, beta: s.beta }]),
  );
  const caps = policies.type_caps as Record<string, number> & { default: number };
  const messaged = await messagedUserIdsOfCycle(db, ctx.cycleId, Object.keys(MESSAGE_TEMPLATES));
  return {
    now,
    policies,
    findings,
    kpis,
    posteriors,
    cap: (type) => caps[type] ?? caps.default,
    contactedSince: contactWindowStart(now, policies),
    messagedUserIds: messaged,
  };
}

/**
 * Plans still waiting for an operator are not planned again: one approval per problem, not one per cycle.
 * Likewise a target held out (live) whose outcome is not measured yet: one control observation per
 * window, as a treated user gets one message per contact window.
 */
async function withoutPendingApprovals(db: Knex, plans: ActionPlan[]): Promise<ActionPlan[]> {
  if (!plans.length) return plans;
  const keys = await inFlightTargets(
    db,
    plans.map((p) => p.type),
  );
  return plans.filter((p) => !keys.has(`${p.type}\u0000${p.targetId}`));
}

async function planFor(db: Knex, phase: Phase, ctx: CycleContext, pc: PlanningContext): Promise<ActionPlan[]> {
  const { now } = pc;
  // Only the lists a planner will read: without its KPI below target it plans nothing from them.
  const needed = kpiDrivenTargets(pc.findings, pc.kpis);
  switch (phase) {
    case 'heal':
      return planHeal({
        now,
        findings: pc.findings,
        kpis: pc.kpis,
        policy: { maxAttempts: pc.policies.payment_retry.maxAttempts },
        successPosteriors: pc.posteriors,
        targets: {
          retryablePayments: await queryRetryablePayments(db, now, {
            limit: pc.cap('retry_payment'),
            maxAttempts: pc.policies.payment_retry.maxAttempts,
          }),
          orphanedSubscriptions: await queryOrphanedActiveSubscriptions(db, {
            limit: pc.cap('cancel_orphaned_subscription'),
          }),
          unnormalizedEmails: await queryUnnormalizedEmails(db, { limit: pc.cap('normalize_email') }),
          atRiskUsers: needed.atRiskUsers
            ? await queryAtRiskUsers(db, now, {
                limit: pc.cap('retention_campaign'),
                contactedSince: pc.contactedSince,
              })
            : [],
        },
      });
    case 'optimize':
      return planOptimize({
        findings: pc.findings,
        kpis: pc.kpis,
        successPosteriors: pc.posteriors,
        excludeUserIds: pc.messagedUserIds,
        targets: {
          recentSignups: needed.recentSignups
            ? await queryRecentNonActivatedSignups(db, now, {
                limit: pc.cap('onboarding_nudge'),
                contactedSince: pc.contactedSince,
              })
            : [],
          atRiskUsers: needed.atRiskUsers
            ? await queryAtRiskUsers(db, now, {
                limit: pc.cap('retention_campaign'),
                contactedSince: pc.contactedSince,
              })
            : [],
          upgradeCandidates: needed.upgradeCandidates
            ? await queryUpgradeCandidates(db, now, {
                limit: pc.cap('upgrade_offer'),
                contactedSince: pc.contactedSince,
              })
            : [],
        },
      });
    case 'prevent': {
      const drift = await driftFindings(db, ctx, now);
      return planPrevent({
        findings: [...pc.findings, ...drift],
        successPosteriors: pc.posteriors,
        excludeUserIds: pc.messagedUserIds,
        targets: {
          churnSignals: await queryChurnSignalUsers(db, now, {
            limit: pc.cap('proactive_retention'),
            contactedSince: pc.contactedSince,
          }),
        },
      });
    }
    default:
      throw new Error(`no planner for phase ${phase}`);
  }
}

/**
 * Heal's data fixes over their per-target budget are not planned again; each quarantined target is a finding
 * (recorded every heal, so it resolves once the window no longer holds maxFixes attempts on it).
 */
async function withinFixBudget(
  db: Knex,
  ctx: CycleContext,
  pc: PlanningContext,
  plans: ActionPlan[],
): Promise<ActionPlan[]> {
  const policy = pc.policies.fix_budget;
  const since = new Date(pc.now.getTime() - policy.windowDays * 86_400_000);
  const counts = await fixAttemptCounts(db, plans.filter(isBudgetedFix), since);
  const split = applyFixBudget(plans, counts, policy);
  await recordFindings(db, ctx.cycleId, pc.now, fixBudgetFindings(split, policy), { scope: ['fix_budget'] });
  return split.allowed;
}

/** Data-quality drift between this cycle's analysis and the previous one's, recorded as findings. */
async function driftFindings(db: Knex, ctx: CycleContext, now: Date): Promise<DetectedFinding[]> {
  const current = await listCycleFindings(db, ctx.cycleId);
  if (!current.some((f) => f.detector === 'data_quality') && !(await hasKpiSnapshots(db, ctx.cycleId))) {
    return []; // this run did not analyze: nothing fresh to compare
  }
  const previous = await previousMeasuredCycleId(db, ctx.cycleId, now);
  const asDetected = (rows: Array<DetectedFinding & { cycleEvidence: DetectedFinding['evidence'] }>) =>
    rows.map((f) => ({ ...f, evidence: f.cycleEvidence }));
  const prevCounts = previous ? dataQualityCounts(asDetected(await listCycleFindings(db, previous))) : null;
  const drift = dataQualityDrift(dataQualityCounts(asDetected(current)), prevCounts);
  await recordFindings(db, ctx.cycleId, now, drift, { scope: ['drift'] });
  return drift;
}

/**
 * Resumable: the plan is stored once per (cycle, phase) with a marker in the same transaction, so a retried
 * attempt (after a crash or a timeout) skips planning and drives what the earlier attempt stored: every
 * admitted action still `planned` is executed (the executor finishes one whose effect completed just before
 * the crash from its effect row), and every `pending_approval` action gets its approval workflow.
 */
export async function runActionPhase(
  deps: ActivityDeps,
  phase: 'heal' | 'optimize' | 'prevent',
  ctx: CycleContext,
): Promise<PhaseSummary> {
  const { db } = deps;
  const effectDeps = {
    db,
    payments: deps.payments,
    messenger: deps.messenger,
    now: deps.clock,
    appWriteBlocked: deps.appWriteBlocked,
  };
  return withPhase(db, ctx, phase, async (progress) => {
    const policies = await getPolicies(db);
    let planned: number | null = null;
    if (await isPhasePlanned(db, ctx.cycleId, phase)) {
      progress('resuming: the plan of an earlier attempt is stored');
    } else {
      progress('loading findings, KPIs and targets');
      const pc = await planningContext(db, ctx, policies);
      let plans = await withoutPendingApprovals(db, await planFor(db, phase, ctx, pc));
      if (phase === 'heal') plans = await withinFixBudget(db, ctx, pc, plans);
      progress(`gating ${plans.length} planned action(s)`);
      await processPlans(effectDeps, {
        cycleId: ctx.cycleId,
        phase,
        dryRun: ctx.dryRun,
        now: pc.now,
        plans,
        markPlanned: true,
        execute: false,
      });
      planned = plans.length;
    }
    // Message actions become one campaign per type; their rollout workflows (started by the cycle) send them.
    const campaignIds = await ensurePhaseCampaigns(deps, ctx, phase);
    const toRun = ctx.dryRun ? [] : await phaseActionIdsInStatus(db, ctx.cycleId, phase, ['planned']);
    for (const [i, actionId] of toRun.entries()) {
      await executeAction(effectDeps, actionId);
      progress(`executed ${i + 1} of ${toRun.length} admitted action(s)`);
    }
    const pending = await phaseActionIdsInStatus(db, ctx.cycleId, phase, ['pending_approval']);
    progress(`starting ${pending.length} approval workflow(s)`);
    const deadlineHours = policies.approval.deadlineHours;
    let approvalsStarted = 0;
    for (const actionId of pending) {
      const deadline = new Date(deps.clock().getTime() + deadlineHours * 3_600_000);
      const started = await deps.approvals.start({
        actionId,
        cycleId: ctx.cycleId,
        deadline,
        timeoutSeconds: deadlineHours * 3600,
        reminderLeadsSeconds: approvalReminderLeads(deadlineHours * 3600, policies.approval.reminderLeadsHours),
      });
      if (started.started) approvalsStarted += 1;
    }
    const campaigns = campaignIds.length ? await campaignsByApproval(db, campaignIds) : null;
    const byStatus = await phaseStatusCounts(db, ctx.cycleId, phase);
    const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
    return {
      counts: {
        planned: planned ?? total,
        executed: byStatus.executed ?? 0,
        dryRun: byStatus.dry_run ?? 0,
        needsApproval: byStatus.pending_approval ?? 0,
        approvalsStarted,
        blocked: byStatus.blocked ?? 0,
        recommended: byStatus.recommended ?? 0,
        failed: byStatus.failed ?? 0,
        resumed: planned == null ? 1 : 0,
        campaigns: campaignIds.length,
      },
      ...(campaigns ? { campaigns: { ...campaigns, waitSeconds: policies.campaign_rollout.cycleWaitSeconds } } : {}),
    };
  });
}
