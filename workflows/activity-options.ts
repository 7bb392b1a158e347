// Activity options of every workflow in one place: timeouts, retry policies and the Web UI summaries.
import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../activities/effects/errors';
import type { Phase } from '../engine/types';

/**
 * Phases and the monitor: 7 attempts over about 2 minutes (2, 4, 8, 16, 32, 60 s apart), so an outage of
 * PostgreSQL or of a provider that long delays the cycle; a longer one fails it, saying why.
 */
export const PHASE_RETRY: RetryPolicy = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 7,
  nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
};

/** Bookkeeping is cheap and must land, so it retries longer than a phase. */
export const BOOKKEEPING_RETRY: RetryPolicy = { ...PHASE_RETRY, maximumAttempts: 10 };

/** openCycle / closeCycle: single statements, so an attempt lost with a killed worker is retried after 15 s. */
export const BOOKKEEPING_OPTIONS: ActivityOptions = { startToCloseTimeout: '15 seconds', retry: BOOKKEEPING_RETRY };

// Long phases heartbeat every 2 s (activities/phase-record.ts): a crashed worker's attempt is retried after 10 s.
const LONG_PHASE = { startToCloseTimeout: '15 minutes', heartbeatTimeout: '10 seconds', retry: PHASE_RETRY } as const;
const SHORT_PHASE = { startToCloseTimeout: '5 minutes', heartbeatTimeout: '10 seconds', retry: PHASE_RETRY } as const;

/** Per phase: how long one attempt may take, how it retries, and the summary the Web UI shows. */
export const PHASE_OPTIONS: Record<Phase, ActivityOptions> = {
  analyze: { ...LONG_PHASE, summary: 'Analyze: KPIs, detectors, findings, health score' },
  heal: { ...LONG_PHASE, summary: 'Heal: plan, gate and execute remediations' },
  optimize: { ...LONG_PHASE, summary: 'Optimize: activation, retention, conversion, revenue' },
  prevent: { ...LONG_PHASE, summary: 'Prevent: act on churn signals, data-quality drift' },
  learn: { ...LONG_PHASE, summary: 'Learn: outcomes → posteriors, suggestion feedback, behaviours' },
  decide: { ...SHORT_PHASE, summary: 'Decide: allocation, prioritization, pricing' },
  verify: { ...SHORT_PHASE, summary: 'Verify: policy compliance, KPIs vs targets, alignment' },
};

/** The monitor's single health check. */
export const MONITOR_OPTIONS: ActivityOptions = {
  ...SHORT_PHASE,
  summary: 'Monitor: health detectors, alerts on critical findings',
};

/**
 * Alert routing and delivery: one provider call per delivery, each bounded by its channel's 10 s timeout; an
 * outage is retried for about three minutes, and what is still pending then is sent by the next run.
 */
export const ALERT_DELIVERY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { ...PHASE_RETRY, initialInterval: '5 seconds', maximumAttempts: 6 },
  summary: 'Alerts: route findings and send to Slack, PagerDuty, the webhook',
};

/** Approval bookkeeping (open, resolve): single statements, retried 15 s after a lost attempt. */
export const APPROVAL_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '15 seconds',
  retry: BOOKKEEPING_RETRY,
  summary: 'Approval bookkeeping',
};

/** The approved action's one effect: a provider call bounded by its own timeout, idempotent on its key. */
export const APPROVED_EXECUTION_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: BOOKKEEPING_RETRY,
  summary: 'Execution of the approved action',
};

/** Slack posts and updates: a few minutes of retries, then the workflow goes on without them (Slack is a view). */
export const SLACK_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { ...PHASE_RETRY, maximumAttempts: 8 },
  summary: 'Approval message in Slack',
};

/** The page to admins of an approval still pending late in its wait: retried a while, never blocks the wait. */
export const ESCALATION_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { ...PHASE_RETRY, maximumAttempts: 8 },
  summary: 'Escalation of a pending approval to admins',
};

/**
 * One relay batch: up to OUTBOX_RELAY_BATCH_SIZE sends of at most 10 s each; it heartbeats every 2 s, so a batch
 * lost with its worker is retried after 10 s (its unsent rows come back when their lease ends).
 */
export const RELAY_BATCH_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '10 seconds',
  retry: PHASE_RETRY,
  summary: 'Outbox relay: claim a batch, send each message, record its delivery',
};

/**
 * One campaign wave: up to a few thousand sends, maxConcurrency at a time; it heartbeats after each send, so a
 * wave lost with its worker is retried after 10 s and sends only what is still unsent.
 */
export const CAMPAIGN_WAVE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  retry: PHASE_RETRY,
  summary: 'Campaign wave: send to the next recipients of the ramp',
};
