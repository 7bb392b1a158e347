// The shape of the versioned safety configuration (engine.thresholds, engine.policies; docs/safety.md):
// one zod schema per threshold and per policy, the defaults the migration installs, and the parsers
// that turn a bad name or value into a ValidationError. Shared by db/repos/config.ts and the api.
import { z } from 'zod';
import { alertPolicySchema, DEFAULT_ALERT_POLICY } from '../alerts/policy';
import { DEFAULT_REMINDER_LEADS_HOURS } from '../approvals/reminder-leads';
import { DEFAULT_GUARDRAIL_POLICY, guardrailPolicySchema } from '../guardrails/policy';
import { ACTION_TYPES, type ActionType, type GateClass } from '../types';
import { cardNetworkRulesSchema, DEFAULT_CARD_NETWORK_RULES } from './card-network-rules';
import { ValidationError, type ValidationIssue } from './errors';

/** Re-exported for the modules that already read the list from here. */
export { ACTION_TYPES };

// ---------------------------------------------------------------- thresholds

const probability = z
  .number({ error: 'must be a number' })
  .min(0, 'must be between 0 and 1')
  .max(1, 'must be between 0 and 1');

/** One schema per known threshold; a name not listed here cannot be set. */
export const THRESHOLD_SCHEMAS = {
  'gate.remediation': probability.describe(
    'Confidence an action of the remediation class needs to run without approval',
  ),
  'gate.optimization': probability.describe(
    'Confidence an action of the optimization class needs to run without approval',
  ),
  'gate.healing': probability.describe('Confidence an action of the healing class needs to run without approval'),
  'kpi.min_sample': z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1_000_000, 'must be at most 1000000')
    .describe('Cohort size below which a KPI is "insufficient data"'),
  'kpi.gross_margin': z
    .number({ error: 'must be a number' })
    .gt(0, 'must be greater than 0')
    .max(1, 'must be at most 1')
    .describe('Gross margin used by LTV'),
  'ml.suggestion_threshold': probability.describe('Confidence above which the platform shows an ML suggestion'),
  'ml.applied_gain': z
    .number({ error: 'must be a number' })
    .gt(0, 'must be greater than 0')
    .max(1000, 'must be at most 1000')
    .describe('Value of a shown suggestion the user applies, in the threshold utility'),
  'ml.dismiss_cost': z
    .number({ error: 'must be a number' })
    .min(0, 'must be 0 or more')
    .max(1000, 'must be at most 1000')
    .describe('Cost of a shown suggestion the user dismisses, in the threshold utility'),
} as const;

export type ThresholdName = keyof typeof THRESHOLD_SCHEMAS;
export const THRESHOLD_NAMES = Object.keys(THRESHOLD_SCHEMAS) as ThresholdName[];

/** The confidence gates of docs/safety.md, used when a gate threshold row is missing. */
export const DEFAULT_GATES: Record<GateClass, number> = { remediation: 0.8, optimization: 0.7, healing: 0.75 };

export function gateThresholdName(gateClass: GateClass): ThresholdName {
  return `gate.${gateClass}`;
}

// ---------------------------------------------------------------- policies

const enabledFlag = z.strictObject({ enabled: z.boolean({ error: 'enabled must be true or false' }) });
const cap = z
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be 0 or more')
  .max(1_000_000, 'must be at most 1000000');
const hour = z
  .number({ error: 'must be a number' })
  .int('must be a whole hour')
  .min(0, 'must be 0–23')
  .max(23, 'must be 0–23');

const holdoutShare = z
  .number({ error: 'must be a number' })
  .min(0, 'must be between 0 and 0.5')
  .max(0.5, 'must be between 0 and 0.5 (a control group larger than the treated one wastes the action)');

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const POLICY_SCHEMAS = {
  /** Whether cycles without an explicit dryRun (the schedules, the monitor) run live. */
  live_mode: enabledFlag,
  /** Blocks every effect while enabled. */
  kill_switch: enabledFlag,
  /** Blast radius: how many actions of a type one cycle may run or queue for approval; `default` for unlisted types. */
  type_caps: z.strictObject({
    default: cap,
    retry_payment: cap.optional(),
    cancel_orphaned_subscription: cap.optional(),
    normalize_email: cap.optional(),
    data_fix_review: cap.optional(),
    retention_campaign: cap.optional(),
    onboarding_nudge: cap.optional(),
    upgrade_offer: cap.optional(),
    funnel_recommendation: cap.optional(),
    proactive_retention: cap.optional(),
    investigate_system_health: cap.optional(),
  }),
  /** At most maxMessages messages to one user within windowDays. */
  contact_cap: z.strictObject({
    maxMessages: cap,
    windowDays: z.number({ error: 'must be a number' }).gt(0, 'must be greater than 0').max(365, 'must be at most 365'),
  }),
  /** No message is sent from startHour (inclusive) to endHour (exclusive), local time in `timezone`; may cross midnight. */
  quiet_hours: z
    .strictObject({
      enabled: z.boolean({ error: 'enabled must be true or false' }),
      startHour: hour,
      endHour: hour,
      timezone: z.string().refine(isTimeZone, 'must be an IANA time zone, e.g. UTC or Europe/Paris'),
    })
    .refine((q) => q.startHour !== q.endHour, {
      message: 'startHour and endHour must differ (set enabled: false to turn quiet hours off)',
      path: ['endHour'],
    }),
  /** Halts an action type once `failures` of its effects failed with an error (declines do not count) within `windowMinutes`. */
  circuit_breaker: z.strictObject({
    failures: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(1_000_000),
    windowMinutes: z
      .number({ error: 'must be a number' })
      .gt(0, 'must be greater than 0')
      .max(7 * 24 * 60, 'must be at most 10080 (7 days)'),
  }),
  payment_retry: z.strictObject({
    maxAttempts: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(20, 'must be at most 20'),
  }),
  approval: z.strictObject({
    deadlineHours: z
      .number({ error: 'must be a number' })
      .gt(0, 'must be greater than 0')
      .max(24 * 30, 'must be at most 720 (30 days)'),
    /** When, as a share of the wait, a still-pending approval is escalated to admins through the alert path. */
    escalateAtFraction: z
      .number({ error: 'must be a number' })
      .gt(0, 'must be greater than 0')
      .lt(1, 'must be less than 1')
      .default(0.8),
    /** Hours before the deadline at which a pending approval is reminded (engine/approvals/reminder-leads.ts). */
    reminderLeadsHours: z
      .array(
        z
          .number({ error: 'must be a number' })
          .gt(0, 'must be greater than 0')
          .max(24 * 30, 'must be at most 720'),
      )
      .max(5, 'at most 5 reminders')
      .default([...DEFAULT_REMINDER_LEADS_HOURS]),
  }),
  /** Distinct approvers an approval needs once its blast radius reaches a threshold (engine/approvals/quorum.ts). */
  approval_quorum: z.strictObject({
    approvers: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(10, 'must be at most 10'),
    whenUsersAtLeast: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1'),
    whenMrrCentsAtLeast: z
      .number({ error: 'must be a number' })
      .int('must be a whole number (cents)')
      .min(1, 'must be at least 1'),
  }),
  /** Share of eligible targets of each measured action type held out as a control group (engine/learning/holdout.ts). */
  holdout: z.strictObject({
    default: holdoutShare,
    retry_payment: holdoutShare.optional(),
    onboarding_nudge: holdoutShare.optional(),
    retention_campaign: holdoutShare.optional(),
    proactive_retention: holdoutShare.optional(),
    upgrade_offer: holdoutShare.optional(),
  }),
  /** Alert routing and noise control (engine/alerts/policy.ts, docs/alerts.md); silences never hold actions. */
  alerts: alertPolicySchema,
  /** Visa and Mastercard retry rules for payment retries (engine/safety/card-network-rules.ts). */
  card_network_rules: cardNetworkRulesSchema,
  /** Sample-ratio-mismatch check of each holdout (engine/learning/srm.ts): p below pValue over the last windowDays is a mismatch. */
  srm: z.strictObject({
    pValue: z.number({ error: 'must be a number' }).gt(0, 'must be greater than 0').max(0.05, 'must be at most 0.05'),
    windowDays: z.number({ error: 'must be a number' }).gt(0, 'must be greater than 0').max(365, 'must be at most 365'),
  }),
  /** Evidence the autonomy ladder needs to promote a type (engine/autonomy/ladder.ts). */
  autonomy_ladder: z.strictObject({ minShadowDecisions: cap, minOutcomes: cap }),
  /** Per-target fix budget (engine/safety/fix-budget.ts): maxFixes live attempts of one data fix on one target in windowDays quarantine it. */
  fix_budget: z.strictObject({
    maxFixes: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(100, 'must be at most 100'),
    windowDays: z.number({ error: 'must be a number' }).gt(0, 'must be greater than 0').max(365, 'must be at most 365'),
  }),
  /** A campaign's rollout (engine/campaigns/rollout.ts): cumulative shares sent per wave, sends in flight, the error rate that halts it. */
  campaign_rollout: z.strictObject({
    ramp: z
      .array(z.number({ error: 'must be a number' }).gt(0, 'must be greater than 0').max(1, 'must be at most 1'))
      .min(1, 'needs at least one wave')
      .max(20, 'at most 20 waves')
      .refine((r) => r.every((x, i) => i === 0 || x > r[i - 1]!), 'must increase wave by wave')
      .refine((r) => r[r.length - 1] === 1, 'the last wave must be 1 (everyone)'),
    maxConcurrency: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(64, 'must be at most 64'),
    maxErrorRate: z.number({ error: 'must be a number' }).min(0, 'must be at least 0').max(1, 'must be at most 1'),
    waveIntervalSeconds: z
      .number({ error: 'must be a number' })
      .min(0, 'must be at least 0')
      .max(7 * 86_400, 'must be at most 604800 (7 days)'),
    cycleWaitSeconds: z
      .number({ error: 'must be a number' })
      .min(0, 'must be at least 0')
      .max(3600, 'must be at most 3600'),
  }),
  /** Guardrail metrics of the message types (engine/guardrails): the always-valid test's alpha and tau, the sample per arm, each metric's severity and margin. */
  guardrails: guardrailPolicySchema,
} as const;

export type PolicyName = keyof typeof POLICY_SCHEMAS;
export const POLICY_NAMES = Object.keys(POLICY_SCHEMAS) as PolicyName[];

/** Every policy, parsed: what getPolicies returns and the gates read. */
export const policiesSchema = z.strictObject(POLICY_SCHEMAS);
export type Policies = z.infer<typeof policiesSchema>;
export type PolicyValue<N extends PolicyName> = z.infer<(typeof POLICY_SCHEMAS)[N]>;

/** Version 1 of every policy (the migration's rows); used for a policy whose rows are missing. */
export const DEFAULT_POLICIES: Policies = {
  live_mode: { enabled: false },
  kill_switch: { enabled: false },
  type_caps: { default: 500 },
  contact_cap: { maxMessages: 1, windowDays: 7 },
  quiet_hours: { enabled: false, startHour: 22, endHour: 7, timezone: 'UTC' },
  circuit_breaker: { failures: 5, windowMinutes: 60 },
  payment_retry: { maxAttempts: 4 },
  approval: { deadlineHours: 72, escalateAtFraction: 0.8, reminderLeadsHours: [...DEFAULT_REMINDER_LEADS_HOURS] },
  approval_quorum: { approvers: 2, whenUsersAtLeast: 500, whenMrrCentsAtLeast: 500_000 },
  holdout: { default: 0.1 },
  alerts: DEFAULT_ALERT_POLICY,
  card_network_rules: DEFAULT_CARD_NETWORK_RULES,
  srm: { pValue: 0.001, windowDays: 30 },
  autonomy_ladder: { minShadowDecisions: 50, minOutcomes: 100 },
  fix_budget: { maxFixes: 3, windowDays: 7 },
  campaign_rollout: {
    ramp: [0.01, 0.05, 0.25, 1],
    maxConcurrency: 4,
    maxErrorRate: 0.1,
    waveIntervalSeconds: 0,
    cycleWaitSeconds: 600,
  },
  guardrails: DEFAULT_GUARDRAIL_POLICY,
};

// ---------------------------------------------------------------- parsers

function issuesOf(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

function describeIssues(issues: ValidationIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

export function isThresholdName(name: string): name is ThresholdName {
  return Object.prototype.hasOwnProperty.call(THRESHOLD_SCHEMAS, name);
}

export function isPolicyName(name: string): name is PolicyName {
  return Object.prototype.hasOwnProperty.call(POLICY_SCHEMAS, name);
}

/** The validated value of a threshold; ValidationError for an unknown name or a bad value. */
export function parseThreshold(name: string, value: unknown): number {
  if (!isThresholdName(name)) {
    throw new ValidationError(`Unknown threshold '${name}'. Known thresholds: ${THRESHOLD_NAMES.join(', ')}.`, [
      { path: 'name', message: 'unknown threshold' },
    ]);
  }
  const r = THRESHOLD_SCHEMAS[name].safeParse(value);
  if (!r.success) {
    const issues = issuesOf(r.error);
    throw new ValidationError(
      `Invalid value for threshold '${name}': ${describeIssues(issues)}`,
      issues.map((i) => ({ ...i, path: i.path ? `value.${i.path}` : 'value' })),
    );
  }
  return r.data;
}

/** The validated value of a policy; ValidationError for an unknown name or a bad value. */
export function parsePolicy<N extends PolicyName>(name: N, value: unknown): PolicyValue<N>;
export function parsePolicy(name: string, value: unknown): PolicyValue<PolicyName>;
export function parsePolicy(name: string, value: unknown): PolicyValue<PolicyName> {
  if (!isPolicyName(name)) {
    throw new ValidationError(`Unknown policy '${name}'. Known policies: ${POLICY_NAMES.join(', ')}.`, [
      { path: 'name', message: 'unknown policy' },
    ]);
  }
  const r = (POLICY_SCHEMAS[name] as z.ZodType<PolicyValue<PolicyName>>).safeParse(value);
  if (!r.success) {
    const issues = issuesOf(r.error);
    throw new ValidationError(
      `Invalid value for policy '${name}': ${describeIssues(issues)}`,
      issues.map((i) => ({ ...i, path: i.path ? `value.${i.path}` : 'value' })),
    );
  }
  return r.data;
}

/** The cap of one action type per cycle: its own entry, else `default`. */
export function typeCapOf(policies: Pick<Policies, 'type_caps'>, type: ActionType): number {
  return policies.type_caps[type] ?? policies.type_caps.default;
}
