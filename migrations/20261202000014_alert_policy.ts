// Version 1 of the policy `alerts` (engine/alerts/policy.ts, docs/alerts.md): routes per severity, reminders,
// flap suppression and no silences; and an index for reading a finding's status changes from the audit log
// (the flap check). Later versions are set by admins through the api; this never overwrites them.
import type { Knex } from 'knex';

// Written out rather than imported, so this version stays what it was when the code's defaults change.
const ALERTS_V1 = {
  routes: {
    critical: ['pagerduty', 'slack', 'webhook'],
    high: ['slack', 'webhook'],
    medium: ['slack', 'webhook'],
    low: ['webhook'],
    info: [],
  },
  reminders: { everyMinutes: 240, channels: ['slack'] },
  flap: { maxTransitions: 4, windowMinutes: 120, stableMinutes: 60 },
  silences: [],
};

export async function up(knex: Knex): Promise<void> {
  await knex('engine.policies')
    .insert({ name: 'alerts', version: 1, value: JSON.stringify(ALERTS_V1), changed_by: 'migration' })
    .onConflict(['name', 'version'])
    .ignore();
  await knex.raw(`
    CREATE INDEX IF NOT EXISTS audit_finding_changes_idx ON engine.audit_log (target, id)
     WHERE event IN ('finding.opened', 'finding.reopened', 'finding.resolved')
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS engine.audit_finding_changes_idx');
  await knex('engine.policies').where({ name: 'alerts', version: 1, changed_by: 'migration' }).del();
}
