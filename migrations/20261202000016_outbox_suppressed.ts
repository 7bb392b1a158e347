// A queued message whose recipient unsubscribed, opted out or was deleted before the relay reached it is not
// sent: it ends as 'suppressed', a final status of its own (neither a bounce nor a failure).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE engine.outbox DROP CONSTRAINT IF EXISTS outbox_status_check;
    ALTER TABLE engine.outbox ADD CONSTRAINT outbox_status_check
      CHECK (status IN ('queued','delivered','bounced','failed','suppressed'));
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    UPDATE engine.outbox SET status = 'failed' WHERE status = 'suppressed';
    ALTER TABLE engine.outbox DROP CONSTRAINT IF EXISTS outbox_status_check;
    ALTER TABLE engine.outbox ADD CONSTRAINT outbox_status_check
      CHECK (status IN ('queued','delivered','bounced','failed'));
  `);
}
