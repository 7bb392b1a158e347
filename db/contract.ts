// The data contract of schema `app` as data: every table and column the engine reads, the PostgreSQL types it
// accepts for each, whether null is fine, and what needs it (docs/data-contract.md). `npm run contract -- check`
// compares a database against it.

export interface ContractColumn {
  /** Accepted types as format_type names them, without a type modifier ('character varying', not '(255)'). */
  types: readonly string[];
  /** Whether the column may hold null (checked on tables only: PostgreSQL reports every view column nullable). */
  nullable: boolean;
  /** What in the engine needs it; null when nothing reads it today (then it is optional). */
  neededBy: string | null;
  /** Read when present, null when absent: a missing column is reported but never fails the check. */
  optional?: boolean;
}

export type Contract = Record<string, Record<string, ContractColumn>>;

// Type families: ids and cents are read as JS numbers (no numeric, which pg returns as a string).
const ID = ['bigint', 'integer'] as const;
const INT = ['integer', 'bigint', 'smallint'] as const;
const TEXT = ['text', 'character varying', 'citext'] as const;
const TS = ['timestamp with time zone'] as const;
const FLOAT = ['double precision', 'real'] as const;

const col = (types: readonly string[], nullable: boolean, neededBy: string | null): ContractColumn => ({
  types,
  nullable,
  neededBy,
});

export const APP_CONTRACT: Contract = {
  users: {
    id: col(ID, false, 'every user target and message'),
    email: col(TEXT, true, 'data-quality detectors and the email normalization fix'),
    created_at: col(TS, false, 'the KPI cohorts, the funnel and onboarding nudges'),
    activated_at: col(TS, true, 'the activation KPIs, nudges and churn signals'),
    last_seen_at: col(TS, true, 'at-risk (lapsing) user targeting'),
    acquisition_channel: col(TEXT, true, null),
    deleted_at: col(TS, true, 'every live-user filter and orphaned-record detection'),
    marketing_opt_out: col(['boolean'], false, 'the message recipient gate'),
  },
  events: {
    id: col(ID, false, 'evidence samples of future-dated events'),
    user_id: col(ID, false, 'D7 retention, churn signals, outcomes and early behaviours'),
    name: col(TEXT, false, 'the onboarding funnel step and early behaviours'),
    occurred_at: col(TS, false, 'event freshness, future timestamps and every activity window'),
    properties: col(['jsonb', 'json'], false, null),
  },
  plans: {
    id: col(ID, false, 'the unknown-plan check and upgrade offers'),
    name: col(TEXT, false, 'upgrade offer messages'),
    price_cents: col(INT, false, 'upgrade offer prices'),
    interval: col(TEXT, false, 'upgrade offer prices (yearly plans divided by 12)'),
  },
  subscriptions: {
    id: col(ID, false, 'orphaned-record detection and the orphan cancellation fix'),
    user_id: col(ID, false, 'LTV:CAC, orphan detection, the funnel and churn signals'),
    plan_id: col(ID, true, 'the unknown-plan data-quality check'),
    status: col(TEXT, false, 'revenue KPIs, orphan detection, payment retries and churn signals'),
    mrr_cents: col(INT, false, 'LTV:CAC, evidence of MRR at stake and upgrade outcomes'),
    started_at: col(TS, false, 'LTV:CAC, the paid funnel step and upgrade outcomes'),
    canceled_at: col(TS, true, 'churn in LTV:CAC and the orphan cancellation fix'),
    current_period_end: col(TS, true, null),
  },
  payments: {
    id: col(ID, false, 'payment retries and billing evidence'),
    subscription_id: col(ID, false, 'orphaned payments and payment retries'),
    amount_cents: col(INT, false, 'data-quality checks, money at stake and payment retries'),
    status: col(TEXT, false, 'billing detectors and payment retries'),
    failure_code: col(TEXT, true, 'billing detectors and payment retries'),
    attempted_at: col(TS, false, 'stuck-payment and failure-rate detectors'),
    attempt_count: col(INT, false, 'the payment retry limit and its idempotency key'),
    next_retry_at: col(TS, true, 'the due-retry detector and the heal planner'),
    provider_ref: col(TEXT, true, 'the payment gateway (writes it)'),
    // Optional: without them the card-network caps count per subscription and no network advice is known.
    card_brand: { ...col(TEXT, true, 'the card-network retry rules (which network caps apply)'), optional: true },
    payment_method_ref: {
      ...col(TEXT, true, 'the card-network retry caps (counted per payment method)'),
      optional: true,
    },
    advice_code: { ...col(TEXT, true, 'the card-network do-not-retry rules'), optional: true },
  },
  suggestions: {
    id: col(ID, false, 'the retraining dataset export'),
    user_id: col(ID, false, null),
    kind: col(TEXT, false, 'suggestion feedback per kind'),
    confidence: col(FLOAT, false, 'suggestion calibration and the ML threshold'),
    status: col(TEXT, false, 'suggestion adoption'),
    shown_at: col(TS, false, 'suggestion feedback windows'),
    resolved_at: col(TS, true, 'suggestion feedback windows'),
    model_version: col(TEXT, true, 'suggestion feedback per model version'),
  },
  acquisition_spend: {
    channel: col(TEXT, false, null),
    month: col(['date'], false, 'the CAC window'),
    spend_cents: col(INT, false, 'CAC in LTV:CAC'),
  },
};
