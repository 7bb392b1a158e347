// Prior success posteriors per action type (engine.action_stats), so that the engine can act on day one.
// Action confidence = detection confidence × the 5% quantile of the type's success posterior
// (docs/safety.md): under a flat Beta(1,1) prior that quantile is 0.05 and nothing would ever pass a gate.
// The pseudo-counts encode what is known before any outcome is measured, and measured outcomes
// outweigh them quickly:
// - deterministic data fixes (a guarded UPDATE) essentially always succeed: Beta(39, 1), bound 0.93;
// - retries of soft declines, timed by next_retry_at, mostly recover: Beta(18, 2), bound 0.77 — just
//   above the healing gate (0.75), so a run of failed retries sends retries back to approval;
// - messages stay at Beta(1, 1): their response rates are learned, and until then an operator approves.
import type { Knex } from 'knex';

const PRIORS: Record<string, [alpha: number, beta: number]> = {
  normalize_email: [39, 1],
  cancel_orphaned_subscription: [39, 1],
  retry_payment: [18, 2],
};

export async function up(knex: Knex): Promise<void> {
  await knex('engine.action_stats')
    .insert(Object.entries(PRIORS).map(([action_type, [alpha, beta]]) => ({ action_type, alpha, beta })))
    .onConflict('action_type')
    .ignore();
}

export async function down(knex: Knex): Promise<void> {
  await knex('engine.action_stats')
    .whereIn('action_type', Object.keys(PRIORS))
    .where({ successes: 0, failures: 0 })
    .del();
}
