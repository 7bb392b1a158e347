// Campaigns (docs/campaigns.md): a phase's message actions of one type in one cycle, decided and sent as
// one. Pure: the id, the cohort each planner targets, the status the campaign's actions add up to, and the
// expected impact with its interval.
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import { MESSAGE_TEMPLATES, type MessageActionType } from '../planning/messages';
import type { ActionStatus, ActionType, Phase } from '../types';

export const CAMPAIGN_TYPES = Object.keys(MESSAGE_TEMPLATES) as MessageActionType[];

/** One campaign per (cycle, phase, type): planning it again in a retried phase finds the same row. */
export function campaignIdOf(cycleId: string, phase: Phase | string, type: ActionType | string): string {
  return `${cycleId}:${phase}:${type}`;
}

export function campaignWorkflowId(campaignId: string): string {
  return `campaign-${campaignId}`;
}

/** Who each campaign type is for and which KPI it moves (the planners' targeting, in words). */
export const COHORTS: Record<MessageActionType, { definition: string; kpi: string }> = {
  onboarding_nudge: {
    definition: 'signups of the last 1–14 days who have not activated, not messaged in the contact window',
    kpi: 'activation_rate',
  },
  retention_campaign: {
    definition: 'paying users inactive for 7+ days (at risk), not messaged in the contact window',
    kpi: 'd7_retention',
  },
  upgrade_offer: {
    definition: 'highly active users on the free or lowest plan, offered the plan one step up',
    kpi: 'ltv_cac',
  },
  proactive_retention: {
    definition: 'paying users whose activity fell sharply over the last 14 days (churn signal)',
    kpi: 'churn_rate',
  },
};

export const CAMPAIGN_STATUSES = [
  'dry_run',
  'shadow',
  'blocked',
  'pending_approval',
  'approved',
  'rejected',
  'expired',
  'running',
  'paused',
  'halted',
  'cancelled',
  'completed',
] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** Statuses in which a rollout workflow owns the campaign. */
export const ROLLOUT_OWNED: readonly CampaignStatus[] = ['pending_approval', 'approved', 'running', 'paused'];

/**
 * The campaign's one decision, from its recipients' statuses: any recipient awaiting an operator puts the whole
 * campaign up for approval (its admitted recipients wait too); else admitted recipients make it ready to roll out.
 */
export function campaignStatusOf(counts: Partial<Record<ActionStatus, number>>): {
  status: CampaignStatus;
  reason: string;
} {
  const n = (s: ActionStatus) => counts[s] ?? 0;
  if (n('pending_approval') > 0)
    return {
      status: 'pending_approval',
      reason: `${n('pending_approval') + n('planned')} recipient(s) wait for one approval of the campaign`,
    };
  if (n('planned') > 0) return { status: 'approved', reason: `${n('planned')} recipient(s) admitted by the gates` };
  if (n('dry_run') > 0) return { status: 'dry_run', reason: `dry run: would message ${n('dry_run')} recipient(s)` };
  if (n('shadowed') > 0)
    return { status: 'shadow', reason: `shadow: would message ${n('shadowed')} recipient(s); nothing is sent` };
  if (n('holdout') > 0 && n('blocked') === 0)
    return { status: 'completed', reason: 'every recipient was held out as the control group' };
  return { status: 'blocked', reason: 'no recipient passed the gates' };
}

export interface ExpectedImpact {
  recipients: number;
  successRate: number;
  expectedSuccesses: number;
  /** 90% credible interval of the successes among the recipients. */
  interval: { low: number; high: number };
}

/** Successes expected among `recipients` under the type's success posterior Beta(alpha, beta). */
export function expectedImpactOf(recipients: number, posterior: { alpha: number; beta: number }): ExpectedImpact {
  const rate = posterior.alpha / (posterior.alpha + posterior.beta);
  const q = (p: number) => Math.round(recipients * betaQuantile(p, posterior.alpha, posterior.beta) * 10) / 10;
  return {
    recipients,
    successRate: Math.round(rate * 10000) / 10000,
    expectedSuccesses: Math.round(recipients * rate * 10) / 10,
    interval: { low: q(0.05), high: q(0.95) },
  };
}

/** Why recipients were left out: blocked actions counted by the first gate that stopped each. */
export function exclusionCounts(failedGates: readonly (string | null)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of failedGates) out[g ?? 'blocked'] = (out[g ?? 'blocked'] ?? 0) + 1;
  return out;
}
