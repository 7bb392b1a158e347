// engine.slack_approval_messages: the Slack message of each approval posted with Approve / Reject buttons —
// where it is (channel + ts, its permalink), how many reminders went to its thread, and the outcome it shows.
// The row is claimed before the post, so a retried activity finds it and does not post again. Additive.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE IF NOT EXISTS engine.slack_approval_messages (
      action_id text PRIMARY KEY REFERENCES engine.approvals(action_id),
      channel text NOT NULL,                          -- the configured channel; Slack's channel id once posted
      ts text,                                        -- the message's ts: null while the post is in flight
      permalink text,
      request jsonb NOT NULL,                         -- what the request showed, so every update shows the same
      reminders_sent integer NOT NULL DEFAULT 0 CHECK (reminders_sent >= 0),
      outcome text,                                   -- the approval status the message last showed
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS engine.slack_approval_messages');
}
