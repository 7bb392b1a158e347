// Partial indexes for the data-quality checks on app.users, which every analyze runs: null, malformed and
// not-normalized emails are a few rows among a million, so each check reads its own small index instead of
// evaluating the email pattern on every user (1.8 s → a few ms at 1M users); duplicates group an index-only scan
// of the live users' normalized emails. Only on the engine's own plain table, never on a platform's views. The
// pattern is VALID_EMAIL_PATTERN (db/queries/detectors.ts) as the queries inline it; a test keeps them equal.
import type { Knex } from 'knex';

const VALID_EMAIL = `'^[a-z0-9._%+-]+@[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]{2,}$'`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    DO $$ BEGIN
      IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('app.users')) IS DISTINCT FROM 'r' THEN RETURN; END IF;
      CREATE INDEX IF NOT EXISTS users_email_null_idx ON app.users (id) WHERE email IS NULL;
      CREATE INDEX IF NOT EXISTS users_email_malformed_idx ON app.users (id)
        WHERE email IS NOT NULL AND NOT (lower(btrim(email)) ~ ${VALID_EMAIL});
      CREATE INDEX IF NOT EXISTS users_email_unnormalized_idx ON app.users (id)
        WHERE email <> lower(btrim(email)) AND lower(btrim(email)) ~ ${VALID_EMAIL};
      CREATE INDEX IF NOT EXISTS users_email_norm_live_idx ON app.users (lower(btrim(email))) INCLUDE (id, email)
        WHERE deleted_at IS NULL AND email IS NOT NULL;
    END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX IF EXISTS app.users_email_null_idx;
    DROP INDEX IF EXISTS app.users_email_malformed_idx;
    DROP INDEX IF EXISTS app.users_email_unnormalized_idx;
    DROP INDEX IF EXISTS app.users_email_norm_live_idx;
  `);
}
