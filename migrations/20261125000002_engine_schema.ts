// Schema `engine`: the engine's own durable state (docs/data-contract.md). Phase outputs live here so that
// only ids and summaries cross Temporal. audit_log is append-only, enforced by the database.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE SCHEMA IF NOT EXISTS engine;

    -- One row per workflow run of a cycle-like workflow (cycle, monitor, self-heal, ...).
    CREATE TABLE engine.cycles (
      id text PRIMARY KEY,                 -- the Temporal workflow id
      run_id text,
      kind text NOT NULL,                  -- cycle | monitor | self_heal | auto_remediate | self_optimize
      trigger text NOT NULL,               -- schedule | api | monitor | cli
      requested_by text,
      dry_run boolean NOT NULL,
      phases text[] NOT NULL,
      status text NOT NULL DEFAULT 'running',
      logical_now timestamptz NOT NULL,    -- the "now" of docs/kpis.md
      started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      health_score integer,
      alignment_score double precision,
      summary jsonb,
      error text
    );
    CREATE INDEX cycles_started_idx ON engine.cycles (started_at DESC);

    CREATE TABLE engine.cycle_phases (
      cycle_id text NOT NULL REFERENCES engine.cycles(id),
      name text NOT NULL,
      status text NOT NULL,                -- running | completed | failed | skipped
      started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      counts jsonb NOT NULL DEFAULT '{}'::jsonb,
      PRIMARY KEY (cycle_id, name)
    );

    CREATE TABLE engine.kpi_snapshots (
      id bigserial PRIMARY KEY,
      cycle_id text NOT NULL REFERENCES engine.cycles(id),
      name text NOT NULL,
      value double precision,
      target double precision NOT NULL,
      sample_size integer NOT NULL,
      interval_low double precision,
      interval_high double precision,
      status text NOT NULL CHECK (status IN ('ok','below_target','insufficient_data')),
      details jsonb NOT NULL DEFAULT '{}'::jsonb,
      computed_at timestamptz NOT NULL,
      UNIQUE (cycle_id, name)
    );

    -- A problem or opportunity; the fingerprint makes the same problem in two cycles one row.
    CREATE TABLE engine.findings (
      id bigserial PRIMARY KEY,
      fingerprint text NOT NULL UNIQUE,
      detector text NOT NULL,
      kind text NOT NULL,
      category text NOT NULL CHECK (category IN ('issue','opportunity')),
      severity text NOT NULL CHECK (severity IN ('critical','high','medium','low','info')),
      confidence double precision NOT NULL,
      title text NOT NULL,
      evidence jsonb NOT NULL DEFAULT '{}'::jsonb,
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','resolved')),
      first_seen_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      first_cycle_id text NOT NULL,
      last_cycle_id text NOT NULL,
      resolved_at timestamptz,
      resolved_cycle_id text,
      occurrences integer NOT NULL DEFAULT 1
    );
    CREATE INDEX findings_open_idx ON engine.findings (status, detector);

    CREATE TABLE engine.cycle_findings (
      cycle_id text NOT NULL REFERENCES engine.cycles(id),
      finding_id bigint NOT NULL REFERENCES engine.findings(id),
      evidence jsonb NOT NULL DEFAULT '{}'::jsonb,
      PRIMARY KEY (cycle_id, finding_id)
    );

    CREATE TABLE engine.actions (
      id text PRIMARY KEY,                 -- deterministic: derived from cycle, type and target
      cycle_id text NOT NULL REFERENCES engine.cycles(id),
      phase text NOT NULL,
      type text NOT NULL,
      target_type text NOT NULL,
      target_id text NOT NULL,
      params jsonb NOT NULL DEFAULT '{}'::jsonb,
      finding_id bigint REFERENCES engine.findings(id),
      detection_confidence double precision NOT NULL,
      confidence double precision NOT NULL,
      expected_impact jsonb NOT NULL DEFAULT '{}'::jsonb,
      mode text NOT NULL CHECK (mode IN ('auto','needs_approval','recommendation')),
      status text NOT NULL DEFAULT 'planned',
      status_reason text,
      dry_run boolean NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      executed_at timestamptz,
      outcome_due_at timestamptz,
      outcome text CHECK (outcome IN ('success','failure')),
      outcome_measured_at timestamptz
    );
    CREATE INDEX actions_cycle_idx ON engine.actions (cycle_id);
    CREATE INDEX actions_status_idx ON engine.actions (status, type);
    CREATE INDEX actions_outcome_due_idx ON engine.actions (outcome_due_at) WHERE outcome IS NULL AND status = 'executed';
    CREATE INDEX actions_target_idx ON engine.actions (target_type, target_id);

    CREATE TABLE engine.gate_decisions (
      id bigserial PRIMARY KEY,
      action_id text NOT NULL REFERENCES engine.actions(id),
      gate text NOT NULL,
      passed boolean NOT NULL,
      reason text NOT NULL,
      details jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (action_id, gate)
    );

    CREATE TABLE engine.approvals (
      action_id text PRIMARY KEY REFERENCES engine.actions(id),
      workflow_id text NOT NULL UNIQUE,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected','expired','executed','failed')),
      deadline timestamptz NOT NULL,
      decided_by text,
      reason text,
      decided_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX approvals_pending_idx ON engine.approvals (status, deadline);

    -- One row per external effect. The unique idempotency key is what makes a retried activity
    -- unable to repeat an effect.
    CREATE TABLE engine.effects (
      id bigserial PRIMARY KEY,
      idempotency_key text NOT NULL UNIQUE,
      action_id text NOT NULL REFERENCES engine.actions(id),
      action_type text NOT NULL,
      port text NOT NULL,                  -- payments | messenger | data
      target text NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','succeeded','failed')),
      request jsonb NOT NULL DEFAULT '{}'::jsonb,
      response jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      completed_at timestamptz
    );
    CREATE INDEX effects_type_time_idx ON engine.effects (action_type, created_at DESC);

    -- The default Messenger adapter: messages the platform's mailer will deliver.
    CREATE TABLE engine.outbox (
      id bigserial PRIMARY KEY,
      idempotency_key text NOT NULL UNIQUE,
      user_id bigint NOT NULL,
      template text NOT NULL,
      payload jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX outbox_user_time_idx ON engine.outbox (user_id, created_at DESC);

    -- Beta posterior of each action type's success, updated from measured outcomes.
    CREATE TABLE engine.action_stats (
      action_type text PRIMARY KEY,
      alpha double precision NOT NULL DEFAULT 1,
      beta double precision NOT NULL DEFAULT 1,
      successes integer NOT NULL DEFAULT 0,
      failures integer NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE engine.learnings (
      id bigserial PRIMARY KEY,
      cycle_id text NOT NULL REFERENCES engine.cycles(id),
      kind text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (cycle_id, kind)
    );

    CREATE TABLE engine.decisions (
      id bigserial PRIMARY KEY,
      cycle_id text NOT NULL REFERENCES engine.cycles(id),
      kind text NOT NULL,
      title text NOT NULL,
      rationale text NOT NULL,
      confidence double precision NOT NULL,
      payload jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (cycle_id, kind)
    );

    CREATE TABLE engine.alerts (
      id bigserial PRIMARY KEY,
      cycle_id text NOT NULL REFERENCES engine.cycles(id),
      finding_id bigint NOT NULL REFERENCES engine.findings(id),
      severity text NOT NULL,
      message text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (cycle_id, finding_id)
    );

    -- Versioned configuration: a change is a new row with version + 1; the newest version wins.
    CREATE TABLE engine.thresholds (
      name text NOT NULL,
      version integer NOT NULL,
      value double precision NOT NULL,
      changed_by text NOT NULL,
      reason text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (name, version)
    );
    CREATE TABLE engine.policies (
      name text NOT NULL,
      version integer NOT NULL,
      value jsonb NOT NULL,
      changed_by text NOT NULL,
      reason text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (name, version)
    );

    CREATE TABLE engine.api_keys (
      id bigserial PRIMARY KEY,
      name text NOT NULL,
      key_hash text NOT NULL UNIQUE,
      role text NOT NULL CHECK (role IN ('viewer','operator','admin')),
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );

    CREATE TABLE engine.audit_log (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      actor text NOT NULL,
      cycle_id text,
      event text NOT NULL,
      target text,
      before jsonb,
      after jsonb,
      dry_run boolean NOT NULL DEFAULT true,
      -- Lets an activity retried after a crash append the same entry only once.
      dedupe_key text UNIQUE
    );
    CREATE INDEX audit_cycle_idx ON engine.audit_log (cycle_id, id);

    CREATE FUNCTION engine.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'engine.audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON engine.audit_log
      FOR EACH ROW EXECUTE FUNCTION engine.audit_log_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON engine.audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION engine.audit_log_append_only();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP SCHEMA IF EXISTS engine CASCADE');
}
