// Every write to an engine table sends one NOTIFY per statement on `floyo_engine_changed` (payload: the table),
// so an api process can serve reads from memory and drop them the moment the engine's state changes.
// Statement-level, so a bulk insert of 10,000 actions costs one notification, and PostgreSQL folds identical
// notifications of one transaction into one. Later migrations that add an engine table call engine.watch_changes.
import type { Knex } from 'knex';

export const CHANGE_CHANNEL = 'floyo_engine_changed';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION engine.notify_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('${CHANGE_CHANNEL}', TG_TABLE_NAME);
      RETURN NULL;
    END $$;

    CREATE OR REPLACE FUNCTION engine.watch_changes(t regclass) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      EXECUTE format('DROP TRIGGER IF EXISTS notify_changed ON %s', t);
      EXECUTE format(
        'CREATE TRIGGER notify_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s
           FOR EACH STATEMENT EXECUTE FUNCTION engine.notify_changed()', t);
    END $$;

    SELECT engine.watch_changes(format('%I.%I', schemaname, tablename)::regclass)
      FROM pg_tables WHERE schemaname = 'engine';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DO $$ DECLARE t record; BEGIN
      FOR t IN SELECT schemaname, tablename FROM pg_tables WHERE schemaname = 'engine' LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS notify_changed ON %I.%I', t.schemaname, t.tablename);
      END LOOP;
    END $$;
    DROP FUNCTION IF EXISTS engine.watch_changes(regclass);
    DROP FUNCTION IF EXISTS engine.notify_changed();
  `);
}
