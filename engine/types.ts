// Domain types shared by the pure engine, the activities, the repositories and the api.
// Everything here is plain data: it can cross Temporal and be stored as JSON.

export const KPI_NAMES = ['activation_rate', 'd7_retention', 'signup_to_activation', 'ltv_cac'] as const;
export type KpiName = (typeof KPI_NAMES)[number];
export type KpiStatus = 'ok' | 'below_target' | 'insufficient_data';

export interface KpiResult {
  name: KpiName;
  /** null when the sample is below the minimum ("insufficient data"). */
  value: number | null;
  target: number;
  sampleSize: number;
  /** 95% interval; Wilson for rates; null when not defined. */
  interval: [number, number] | null;
  status: KpiStatus;
  /** Numerator/denominator and any breakdown (funnel steps, ARPA, churn, CAC...). */
  details: Record<string, unknown>;
}

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export type FindingCategory = 'issue' | 'opportunity';

/** What a detector reports in one cycle, before it is merged with earlier sightings. */
export interface DetectedFinding {
  /** Stable across cycles for the same problem, e.g. "data_quality:malformed_email". */
  fingerprint: string;
  detector:
    | 'kpi'
    | 'system_health'
    | 'data_quality'
    | 'orphaned_records'
    | 'billing'
    | 'drift'
    | 'holdout'
    | 'fix_budget'
    | 'guardrail'
    | 'approvals';
  kind: string;
  category: FindingCategory;
  severity: Severity;
  /** Detection confidence in [0, 1]. */
  confidence: number;
  title: string;
  evidence: { count: number; sampleIds: Array<number | string>; [k: string]: unknown };
}

export interface Finding extends DetectedFinding {
  id: number;
  status: 'open' | 'resolved';
  firstSeenAt: string;
  lastSeenAt: string;
  occurrences: number;
}

export const PHASES = ['analyze', 'heal', 'optimize', 'prevent', 'learn', 'decide', 'verify'] as const;
export type Phase = (typeof PHASES)[number];

/** What kind of run a cycle is: the full cycle or one of the single-purpose workflows. */
export const CYCLE_KINDS = ['cycle', 'monitor', 'self_heal', 'auto_remediate', 'self_optimize'] as const;
export type CycleKind = (typeof CYCLE_KINDS)[number];

/** Who started a cycle. */
export const TRIGGERS = ['schedule', 'api', 'monitor', 'cli'] as const;
export type Trigger = (typeof TRIGGERS)[number];

/** Which confidence gate an action passes: docs/safety.md. */
export type GateClass = 'remediation' | 'optimization' | 'healing';

/** Every action type the planners produce. */
export const ACTION_TYPES = [
  'retry_payment',
  'cancel_orphaned_subscription',
  'normalize_email',
  'data_fix_review',
  'retention_campaign',
  'onboarding_nudge',
  'upgrade_offer',
  'funnel_recommendation',
  'proactive_retention',
  'investigate_system_health',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** shadow = recorded as "would have done" by a type in shadow on the autonomy ladder (engine/autonomy). */
export type ActionMode = 'auto' | 'needs_approval' | 'recommendation' | 'shadow';

/** A planned action before gating; the planner's output. */
export interface ActionPlan {
  phase: Phase;
  type: ActionType;
  gateClass: GateClass;
  targetType: 'payment' | 'subscription' | 'user' | 'funnel' | 'system' | 'finding';
  targetId: string;
  params: Record<string, unknown>;
  findingFingerprint: string | null;
  detectionConfidence: number;
  /** e.g. { kpi: 'activation_rate', delta: 0.002 } or { revenueCents: 2900 }. */
  expectedImpact: Record<string, unknown>;
  /** recommendation = never executed by the engine (advice for humans). */
  executable: boolean;
}

export type ActionStatus =
  | 'planned'
  | 'dry_run'
  | 'executed'
  | 'failed'
  | 'pending_approval'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'blocked'
  | 'recommended'
  /** Held out as the control group of a measured type: no effect, outcome measured (engine/learning/holdout.ts). */
  | 'holdout'
  /** A type in shadow on the autonomy ladder: gated and recorded as "would have done", never executed. */
  | 'shadowed';

export interface GateOutcome {
  gate: string;
  passed: boolean;
  reason: string;
  details?: Record<string, unknown>;
}
