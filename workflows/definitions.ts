// Names, signals, queries and search attributes shared by workflows, the worker, the api and the
// CLI docs. Pure: no I/O, safe to import in workflow code.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RolloutProgress } from '../engine/campaigns/rollout';
import type { CycleKind, Phase, Trigger } from '../engine/types';

export type { CycleKind, Trigger };

export interface CycleInput {
  dryRun?: boolean;
  trigger?: Trigger;
  requestedBy?: string;
  phases?: Phase[];
  /** Logical "now" (ISO) for the KPI windows; defaults to the workflow's start time. */
  now?: string;
  /** Rebuild the event rollups from scratch before analyzing, instead of folding only the new events. */
  full?: boolean;
}

export interface PhaseProgress {
  name: Phase | string;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'skipped';
  startedAt?: string;
  finishedAt?: string;
  counts?: Record<string, number>;
}

export interface CycleProgress {
  cycleId: string;
  kind: CycleKind;
  dryRun: boolean;
  currentPhase: string | null;
  phases: PhaseProgress[];
  healthScore: number | null;
  alignmentScore: number | null;
}

export interface CycleResult {
  cycleId: string;
  kind: CycleKind;
  dryRun: boolean;
  healthScore: number | null;
  alignmentScore: number | null;
  phases: PhaseProgress[];
}

export interface ApprovalDecision {
  operator: string;
  reason: string;
}

export interface ApprovalInput {
  actionId: string;
  cycleId: string;
  /** ISO deadline, for display and the approvals table. */
  deadline: string;
  /** How long to wait for a decision; a duration, so the workflow never reads a clock. */
  timeoutSeconds: number;
  /**
   * Set by the starter when Slack approvals are configured (the workflow reads no env): post the request,
   * remind in its thread this many seconds before the deadline, update it with the outcome.
   */
  slack?: { reminderLeadsSeconds: number[] };
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'executed' | 'failed';

export interface ApprovalState {
  actionId: string;
  status: ApprovalStatus;
  decidedBy?: string;
  reason?: string;
  deadline: string;
  /** Operators whose approve counted so far, and how many distinct ones decide (absent before the quorum). */
  approvals?: string[];
  requiredApprovers?: number;
}

export interface CampaignRolloutInput {
  campaignId: string;
}

export const progressQuery = defineQuery<CycleProgress>('progress');
export const approveSignal = defineSignal<[ApprovalDecision]>('approve');
export const rejectSignal = defineSignal<[ApprovalDecision]>('reject');
export const approvalStateQuery = defineQuery<ApprovalState>('approvalState');
/** A campaign rollout's controls: each carries {operator, reason}; approve and reject are the approval signals. */
export const pauseCampaignSignal = defineSignal<[ApprovalDecision]>('pause');
export const resumeCampaignSignal = defineSignal<[ApprovalDecision]>('resume');
export const cancelCampaignSignal = defineSignal<[ApprovalDecision]>('cancel');
export const campaignProgressQuery = defineQuery<RolloutProgress>('campaignProgress');

// Declared once with their types in platform/search-attributes.ts (also the dev server's flags).
export { SA_CYCLE_KIND, SA_DRY_RUN, SA_HEALTH_SCORE, SA_TRIGGER } from '../platform/search-attributes';

/** Approval workflow ids derive from the action id, so a duplicate start is rejected by Temporal. */
export function approvalWorkflowId(actionId: string): string {
  return `approval-${actionId}`;
}

export const SCHEDULE_IDS = {
  cycle: 'floyo-autonomous-cycle',
  monitor: 'floyo-monitor',
  relay: 'floyo-outbox-relay',
} as const;
