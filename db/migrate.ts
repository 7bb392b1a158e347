// Runs the knex migrations from migrations/. The list is static so that migrating works the same
// under tsx, vitest and any bundler, without knex scanning the file system.
import type { Knex } from 'knex';
import pg from 'pg';
import * as appSchema from '../migrations/20261125000001_app_schema';
import * as engineSchema from '../migrations/20261125000002_engine_schema';
import * as defaultConfig from '../migrations/20261125000003_default_config';
import * as actionPriors from '../migrations/20261125000004_action_priors';
import * as operatorApiIndexes from '../migrations/20261125000005_operator_api_indexes';
import * as mlUtility from '../migrations/20261125000006_ml_utility';
import * as holdout from '../migrations/20261125000007_holdout';
import * as segmentStats from '../migrations/20261125000008_segment_stats';
import * as alertDeliveries from '../migrations/20261125000009_alert_deliveries';
import * as phasePlanned from '../migrations/20261202000010_phase_planned';
import * as suppressions from '../migrations/20261202000011_suppressions';
import * as outboxDelivery from '../migrations/20261202000012_outbox_delivery';
import * as cardNetworkRules from '../migrations/20261202000013_card_network_rules';
import * as alertPolicy from '../migrations/20261202000014_alert_policy';
import * as slackApprovalMessages from '../migrations/20261202000015_slack_approval_messages';
import * as outboxSuppressed from '../migrations/20261202000016_outbox_suppressed';
import * as autonomyLadder from '../migrations/20261202000017_autonomy_ladder';
import * as fixBudget from '../migrations/20261202000018_fix_budget';
import * as engineChangeNotify from '../migrations/20261202000020_engine_change_notify';
import * as changeFreezes from '../migrations/20261203000021_change_freezes';
import * as approvalQuorum from '../migrations/20261203000022_approval_quorum';
import * as guardrails from '../migrations/20261203000023_guardrails';
import * as campaigns from '../migrations/20261203000024_campaigns';
import * as partitionedEvents from '../migrations/20261203000025_partitioned_events';
import * as eventRollups from '../migrations/20261203000026_event_rollups';
import * as userQualityIndexes from '../migrations/20261204000027_user_quality_indexes';

type Migration = { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> };

const migrations: Record<string, Migration> = {
  '20261125000001_app_schema': appSchema,
  '20261125000002_engine_schema': engineSchema,
  '20261125000003_default_config': defaultConfig,
  '20261125000004_action_priors': actionPriors,
  '20261125000005_operator_api_indexes': operatorApiIndexes,
  '20261125000006_ml_utility': mlUtility,
  '20261125000007_holdout': holdout,
  '20261125000008_segment_stats': segmentStats,
  '20261125000009_alert_deliveries': alertDeliveries,
  '20261202000010_phase_planned': phasePlanned,
  '20261202000011_suppressions': suppressions,
  '20261202000012_outbox_delivery': outboxDelivery,
  '20261202000013_card_network_rules': cardNetworkRules,
  '20261202000014_alert_policy': alertPolicy,
  '20261202000015_slack_approval_messages': slackApprovalMessages,
  '20261202000016_outbox_suppressed': outboxSuppressed,
  '20261202000017_autonomy_ladder': autonomyLadder,
  '20261202000018_fix_budget': fixBudget,
  '20261202000020_engine_change_notify': engineChangeNotify,
  '20261203000021_change_freezes': changeFreezes,
  '20261203000022_approval_quorum': approvalQuorum,
  '20261203000023_guardrails': guardrails,
  '20261203000024_campaigns': campaigns,
  '20261203000025_partitioned_events': partitionedEvents,
  '20261203000026_event_rollups': eventRollups,
  '20261204000027_user_quality_indexes': userQualityIndexes,
};

const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const m = migrations[name];
    if (!m) throw new Error(`unknown migration ${name}`);
    return m;
  },
};

const config: Knex.MigratorConfig = { migrationSource, schemaName: 'public', tableName: 'knex_migrations' };

/** Any fixed key: every engine process migrating a database waits on this one. */
export const MIGRATE_ADVISORY_LOCK = 20261125;

/**
 * Applies every pending migration; returns the names it applied. Processes starting together (several workers
 * and apis) take turns: knex creates its migration and lock tables, and inserts the lock row, before it locks
 * anything, so on an empty database they collide (an error, or two lock rows that lock everyone out for good).
 * A session advisory lock on a connection of its own serializes them; PostgreSQL drops it if the process dies.
 */
export async function migrateLatest(db: Knex): Promise<string[]> {
  const lock = new pg.Client(db.client.config.connection as pg.ClientConfig);
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATE_ADVISORY_LOCK]);
    const [, applied] = (await db.migrate.latest(config)) as [number, string[]];
    return applied;
  } finally {
    await lock.end(); // ends the session, and with it the lock
  }
}
