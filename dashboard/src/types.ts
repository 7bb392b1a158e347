// Shapes of the api responses the dashboard reads (see /docs; the api's zod schemas are the source).
/** A 95% interval as the api sends it. */
export interface Interval {
  low: number;
  high: number;
}
export interface Kpi {
  name: string;
  value: number | null;
  target: number;
  sampleSize: number;
  interval: Interval | null;
  status: 'ok' | 'below_target' | 'insufficient_data';
}
export interface Finding {
  id: number;
  detector: string;
  kind: string;
  category: 'issue' | 'opportunity';
  severity: 'critical' | 'high' | 'medium' | 'low' | 'info';
  confidence: number;
  title: string;
  evidence: Record<string, unknown>;
  status: 'open' | 'resolved';
  firstSeenAt: string;
  lastSeenAt: string;
  occurrences: number;
  cycleEvidence?: Record<string, unknown>;
}
export interface Action {
  actionId: string;
  cycleId: string;
  phase: string;
  type: string;
  targetType: string;
  targetId: string;
  params: Record<string, unknown>;
  confidence: number;
  expectedImpact: Record<string, unknown>;
  mode: 'auto' | 'needs_approval' | 'recommendation';
  status: string;
  statusReason: string | null;
  dryRun: boolean;
  createdAt: string;
  executedAt: string | null;
  outcome: 'success' | 'failure' | null;
}
export interface SystemState {
  cycleId: string;
  kind: string;
  dryRun: boolean;
  cycleStatus: string;
  computedAt: string;
  healthScore: number | null;
  alignmentScore: number | null;
  kpis: Kpi[];
  issues: Finding[];
  opportunities: Finding[];
  recommendations: Action[];
  recommendationsTotal: number;
}
export interface TrendPoint {
  cycleId: string;
  kind: string;
  startedAt: string;
  healthScore: number | null;
  alignmentScore: number | null;
  kpis: Array<{ name: string; value: number | null; target: number; status: string }>;
}
export interface Phase {
  name: string;
  status: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  counts?: Record<string, unknown>;
}
export interface CycleSummary {
  cycleId: string;
  kind: string;
  trigger: string;
  requestedBy: string | null;
  dryRun: boolean;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  healthScore: number | null;
  alignmentScore: number | null;
  error: string | null;
}
export interface CycleDetail {
  cycleId: string;
  kind: string | null;
  trigger: string | null;
  requestedBy: string | null;
  status: string;
  dryRun: boolean | null;
  phases: Phase[];
  healthScore: number | null;
  alignmentScore: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  summary: Record<string, unknown> | null;
  temporal: { workflowType: string; status: string; historyLength: number; uiUrl: string | null } | null;
}
export interface Progress {
  cycleId: string;
  currentPhase: string | null;
  phases: Phase[];
  source: string;
}
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}
export interface Approval {
  actionId: string;
  workflowId: string;
  status: string;
  deadline: string;
  decidedBy: string | null;
  reason: string | null;
  decidedAt: string | null;
  createdAt: string;
  action: Action;
}
export interface Schedule {
  scheduleId: string;
  exists: boolean;
  paused: boolean | null;
  note: string | null;
  workflowType: string | null;
  nextActionTimes: string[];
  recentActions: Array<{ scheduledAt: string; takenAt: string; workflowId: string }>;
  runningWorkflowIds: string[];
}
export interface Decision {
  id: number;
  cycleId: string;
  kind: string;
  title: string;
  rationale: string;
  confidence: number;
  createdAt: string;
}
export interface Policies {
  liveMode: boolean;
  killSwitch: boolean;
}
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  event: string;
  target: string | null;
  dryRun: boolean;
}
export interface Effect {
  id: number;
  actionId: string;
  actionType: string;
  port: string;
  target: string;
  status: string;
  createdAt: string;
  completedAt: string | null;
}
export interface MlBucket {
  label: string;
  n: number;
  applied: number;
  dismissed: number;
  adoptionRate: number | null;
  adoptionInterval: Interval | null;
  meanConfidence: number | null;
}
export interface MlFeedback {
  resolved: number;
  applied: number;
  dismissed: number;
  adoptionRate: number | null;
  buckets: MlBucket[];
}
export interface MlQuality {
  resolved: number;
  quality: { score: number | null; meanConfidenceApplied: number | null; meanConfidenceDismissed: number | null };
  calibration: { ece: number | null; brier: number | null; brierReference: number | null };
  reliability: Array<{ label: string; n: number; meanConfidence: number | null; adoptionRate: number | null }>;
}
