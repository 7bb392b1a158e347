// Version 1 of every threshold and policy (docs/safety.md). Later changes are new versions, made by
// admins through the api; this migration never overwrites them.
import type { Knex } from 'knex';

const thresholds: Record<string, number> = {
  'gate.remediation': 0.8,
  'gate.optimization': 0.7,
  'gate.healing': 0.75,
  'kpi.min_sample': 30,
  'kpi.gross_margin': 0.8,
  // The platform's current ML suggestion threshold; the learn/decide phases propose changes to it.
  'ml.suggestion_threshold': 0.5,
};

const policies: Record<string, unknown> = {
  live_mode: { enabled: false },
  kill_switch: { enabled: false },
  // Messages need an operator until their response rates are learned: keep those queues reviewable.
  type_caps: { default: 500, onboarding_nudge: 50, retention_campaign: 50, upgrade_offer: 50, proactive_retention: 50 },
  contact_cap: { maxMessages: 1, windowDays: 7 },
  quiet_hours: { enabled: false, startHour: 22, endHour: 7, timezone: 'UTC' },
  circuit_breaker: { failures: 5, windowMinutes: 60 },
  payment_retry: { maxAttempts: 4 },
  approval: { deadlineHours: 72 },
};

export async function up(knex: Knex): Promise<void> {
  await knex('engine.thresholds')
    .insert(Object.entries(thresholds).map(([name, value]) => ({ name, version: 1, value, changed_by: 'migration' })))
    .onConflict(['name', 'version'])
    .ignore();
  await knex('engine.policies')
    .insert(
      Object.entries(policies).map(([name, value]) => ({
        name,
        version: 1,
        value: JSON.stringify(value),
        changed_by: 'migration',
      })),
    )
    .onConflict(['name', 'version'])
    .ignore();
}

export async function down(knex: Knex): Promise<void> {
  await knex('engine.thresholds').where({ version: 1, changed_by: 'migration' }).del();
  await knex('engine.policies').where({ version: 1, changed_by: 'migration' }).del();
}
