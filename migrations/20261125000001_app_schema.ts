// Schema `app`: the data contract through which the engine reads the platform (docs/data-contract.md).
// No foreign keys on purpose: real platform data holds orphans and finding them is the engine's job.
// The indexes are the ones the KPI and detector queries need to stay set-based and fast at 1M users.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE SCHEMA IF NOT EXISTS app;

    CREATE TABLE app.users (
      id bigint PRIMARY KEY,
      email text,
      created_at timestamptz NOT NULL,
      activated_at timestamptz,
      last_seen_at timestamptz,
      acquisition_channel text,
      deleted_at timestamptz,
      marketing_opt_out boolean NOT NULL DEFAULT false
    );
    -- KPI cohorts: range on created_at among live users.
    CREATE INDEX users_created_live_idx ON app.users (created_at) INCLUDE (activated_at) WHERE deleted_at IS NULL;
    -- Data quality: duplicate emails compare normalized addresses.
    CREATE INDEX users_email_norm_idx ON app.users (lower(btrim(email)));
    CREATE INDEX users_deleted_idx ON app.users (deleted_at) WHERE deleted_at IS NOT NULL;

    CREATE TABLE app.events (
      id bigint PRIMARY KEY,
      user_id bigint NOT NULL,
      name text NOT NULL,
      occurred_at timestamptz NOT NULL,
      properties jsonb NOT NULL DEFAULT '{}'::jsonb
    );
    -- D7 retention and churn signals: per-user time ranges.
    CREATE INDEX events_user_time_idx ON app.events (user_id, occurred_at);
    -- Funnel step "onboarding completed" and early-behaviour learning.
    CREATE INDEX events_name_user_idx ON app.events (name, user_id, occurred_at);
    -- Freshness and future-timestamp checks.
    CREATE INDEX events_time_idx ON app.events (occurred_at);

    CREATE TABLE app.plans (
      id bigint PRIMARY KEY,
      name text NOT NULL,
      price_cents integer NOT NULL,
      interval text NOT NULL
    );

    CREATE TABLE app.subscriptions (
      id bigint PRIMARY KEY,
      user_id bigint NOT NULL,
      plan_id bigint,
      status text NOT NULL CHECK (status IN ('trialing','active','past_due','canceled','incomplete')),
      mrr_cents integer NOT NULL DEFAULT 0,
      started_at timestamptz NOT NULL,
      canceled_at timestamptz,
      current_period_end timestamptz
    );
    CREATE INDEX subscriptions_user_idx ON app.subscriptions (user_id, started_at);
    CREATE INDEX subscriptions_status_idx ON app.subscriptions (status);
    CREATE INDEX subscriptions_canceled_idx ON app.subscriptions (canceled_at) WHERE canceled_at IS NOT NULL;
    CREATE INDEX subscriptions_plan_idx ON app.subscriptions (plan_id);

    CREATE TABLE app.payments (
      id bigint PRIMARY KEY,
      subscription_id bigint NOT NULL,
      amount_cents integer NOT NULL,
      status text NOT NULL CHECK (status IN ('succeeded','failed','pending','refunded')),
      failure_code text,
      attempted_at timestamptz NOT NULL,
      attempt_count integer NOT NULL DEFAULT 1,
      next_retry_at timestamptz,
      provider_ref text
    );
    CREATE INDEX payments_subscription_idx ON app.payments (subscription_id);
    -- Billing-failure detector: failed payments that are due for a retry.
    CREATE INDEX payments_failed_due_idx ON app.payments (next_retry_at) WHERE status = 'failed';
    CREATE INDEX payments_pending_idx ON app.payments (attempted_at) WHERE status = 'pending';

    CREATE TABLE app.suggestions (
      id bigint PRIMARY KEY,
      user_id bigint NOT NULL,
      kind text NOT NULL,
      confidence double precision NOT NULL,
      status text NOT NULL CHECK (status IN ('shown','applied','dismissed')),
      shown_at timestamptz NOT NULL,
      resolved_at timestamptz,
      model_version text
    );
    CREATE INDEX suggestions_status_idx ON app.suggestions (status, confidence);

    CREATE TABLE app.acquisition_spend (
      channel text NOT NULL,
      month date NOT NULL,
      spend_cents bigint NOT NULL,
      PRIMARY KEY (channel, month)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP SCHEMA IF EXISTS app CASCADE');
}
