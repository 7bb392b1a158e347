// Approvals fit for people (docs/safety.md#approvals): each approval stores its blast radius (users and MRR
// touched), the approvals it needs (policy approval_quorum), who started its run by hand (refused as an
// approver) and when it was escalated to admins; engine.approval_votes holds every vote the workflow saw,
// counted or refused. Version 1 of approval_quorum: two distinct approvers from 500 users or $5,000 MRR.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE engine.approvals
      ADD COLUMN IF NOT EXISTS blast_users integer,
      ADD COLUMN IF NOT EXISTS blast_mrr_cents bigint,
      ADD COLUMN IF NOT EXISTS required_approvers integer NOT NULL DEFAULT 1 CHECK (required_approvers >= 1),
      ADD COLUMN IF NOT EXISTS started_by text,
      ADD COLUMN IF NOT EXISTS escalated_at timestamptz;

    -- One row per vote signal, numbered by the workflow in the order it saw them (so a retry inserts nothing).
    CREATE TABLE IF NOT EXISTS engine.approval_votes (
      action_id text NOT NULL REFERENCES engine.approvals(action_id),
      seq integer NOT NULL CHECK (seq >= 1),
      operator text NOT NULL,
      approve boolean NOT NULL,
      reason text NOT NULL,
      counted boolean NOT NULL,
      note text NOT NULL,                             -- "1 of 2 approvals", or why the vote was refused
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (action_id, seq)
    );
    DO $$ BEGIN IF to_regproc('engine.watch_changes') IS NOT NULL THEN PERFORM engine.watch_changes('engine.approval_votes'); END IF; END $$;
  `);
  await knex('engine.policies')
    .insert({
      name: 'approval_quorum',
      version: 1,
      value: JSON.stringify({ approvers: 2, whenUsersAtLeast: 500, whenMrrCentsAtLeast: 500_000 }),
      changed_by: 'migration',
    })
    .onConflict(['name', 'version'])
    .ignore();
}

export async function down(knex: Knex): Promise<void> {
  await knex('engine.policies').where({ name: 'approval_quorum', version: 1, changed_by: 'migration' }).del();
  await knex.raw(`
    DROP TABLE IF EXISTS engine.approval_votes;
    ALTER TABLE engine.approvals
      DROP COLUMN IF EXISTS blast_users,
      DROP COLUMN IF EXISTS blast_mrr_cents,
      DROP COLUMN IF EXISTS required_approvers,
      DROP COLUMN IF EXISTS started_by,
      DROP COLUMN IF EXISTS escalated_at;
  `);
}
