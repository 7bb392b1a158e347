// Counts the seeded data the way the engine's detectors read it, so the generator can prove that the
// data holds exactly the planted problems (the healthy part contributes none) before it commits.
import type { Knex } from 'knex';
import { HARD_DECLINE_CODES } from '../../engine/detectors/decline-codes';
import type { SeedManifest } from './manifest';
import type { PlantedCounts } from './planted';
import { EMAIL_VALIDITY_PATTERN } from './users';
import type { Queryable } from '../../db/types';

async function row(
  db: Queryable,
  sql: string,
  bindings: readonly Knex.RawBinding[] = [],
): Promise<Record<string, unknown>> {
  const { rows } = (await db.raw(sql, bindings as Knex.RawBinding[])) as { rows: Array<Record<string, unknown>> };
  return rows[0] ?? {};
}

export async function countRows(db: Queryable): Promise<SeedManifest['counts']> {
  const r = await row(
    db,
    `SELECT (SELECT count(*) FROM app.users) AS users,
            (SELECT count(*) FROM app.events) AS events,
            (SELECT count(*) FROM app.plans) AS plans,
            (SELECT count(*) FROM app.subscriptions) AS subscriptions,
            (SELECT count(*) FROM app.payments) AS payments,
            (SELECT count(*) FROM app.suggestions) AS suggestions,
            (SELECT count(*) FROM app.acquisition_spend) AS spend`,
  );
  return {
    users: Number(r.users),
    events: Number(r.events),
    plans: Number(r.plans),
    subscriptions: Number(r.subscriptions),
    payments: Number(r.payments),
    suggestions: Number(r.suggestions),
    acquisitionSpendRows: Number(r.spend),
  };
}

/** Every planted category, counted from the data with the detectors' definitions (maxAttempts 4, stuck after 24h). */
export async function countPlanted(db: Queryable, now: Date): Promise<PlantedCounts> {
  const hard = [...HARD_DECLINE_CODES];
  const emails = await row(
    db,
    `SELECT count(*) FILTER (WHERE email IS NULL) AS null_emails,
            count(*) FILTER (WHERE email IS NOT NULL AND NOT lower(btrim(email)) ~ ?) AS malformed,
            count(*) FILTER (WHERE email <> lower(btrim(email)) AND lower(btrim(email)) ~ ?
                              AND NOT EXISTS (SELECT 1 FROM app.users o WHERE lower(btrim(o.email)) = lower(btrim(u.email)) AND o.id <> u.id)) AS unnormalized
       FROM app.users u`,
    [EMAIL_VALIDITY_PATTERN, EMAIL_VALIDITY_PATTERN],
  );
  const dups = await row(
    db,
    `SELECT count(*) AS groups, coalesce(sum(n), 0) AS users
       FROM (SELECT count(*) AS n FROM app.users WHERE deleted_at IS NULL AND email IS NOT NULL
              GROUP BY lower(btrim(email)) HAVING count(*) > 1) g`,
  );
  const other = await row(
    db,
    `SELECT (SELECT count(*) FROM app.subscriptions s LEFT JOIN app.users u ON u.id = s.user_id
              WHERE s.status = 'active' AND (u.id IS NULL OR u.deleted_at IS NOT NULL)) AS orphans,
            (SELECT count(*) FROM app.events WHERE occurred_at > ?) AS future,
            (SELECT count(*) FROM app.subscriptions s WHERE NOT EXISTS (SELECT 1 FROM app.plans p WHERE p.id = s.plan_id)) AS missing_plan,
            (SELECT count(*) FROM app.payments WHERE amount_cents < 0) AS negative,
            (SELECT count(*) FROM app.payments WHERE status = 'pending' AND attempted_at < ?::timestamptz - interval '24 hours') AS stuck`,
    [now, now],
  );
  const failed = await row(
    db,
    `SELECT count(*) FILTER (WHERE NOT hard AND attempt_count < 4 AND next_retry_at <= ?) AS retryable,
            count(*) FILTER (WHERE NOT hard AND attempt_count < 4 AND next_retry_at > ?) AS not_due,
            count(*) FILTER (WHERE NOT hard AND attempt_count >= 4) AS exhausted,
            count(*) FILTER (WHERE hard) AS hard
       FROM (SELECT p.*, coalesce(nullif(lower(btrim(p.failure_code)), ''), 'generic') = ANY (?::text[]) AS hard
               FROM app.payments p WHERE p.status = 'failed') f`,
    [now, now, hard],
  );
  return {
    orphanedActiveSubscriptions: Number(other.orphans),
    nullEmails: Number(emails.null_emails),
    malformedEmails: Number(emails.malformed),
    unnormalizedEmails: Number(emails.unnormalized),
    duplicateEmailGroups: Number(dups.groups),
    duplicateEmailUsers: Number(dups.users),
    futureEvents: Number(other.future),
    subscriptionsMissingPlan: Number(other.missing_plan),
    negativeAmounts: Number(other.negative),
    retryableFailedPayments: Number(failed.retryable),
    softDeclinesNotDue: Number(failed.not_due),
    softDeclinesExhausted: Number(failed.exhausted),
    hardDeclines: Number(failed.hard),
    stuckPayments: Number(other.stuck),
  };
}

/**
 * Invariants of the healthy data that no manifest field states but the detectors rely on: every failed
 * payment falls in one planted category, and no payment points at a missing subscription.
 */
export async function countUnplannedProblems(
  db: Queryable,
): Promise<{ unclassifiedFailedPayments: number; paymentsWithoutSubscription: number }> {
  const r = await row(
    db,
    `SELECT (SELECT count(*) FROM app.payments WHERE status = 'failed' AND attempt_count < 4 AND next_retry_at IS NULL
                AND NOT coalesce(nullif(lower(btrim(failure_code)), ''), 'generic') = ANY (?::text[])) AS unclassified,
            (SELECT count(*) FROM app.payments p WHERE NOT EXISTS (SELECT 1 FROM app.subscriptions s WHERE s.id = p.subscription_id)) AS no_sub`,
    [[...HARD_DECLINE_CODES]],
  );
  return { unclassifiedFailedPayments: Number(r.unclassified), paymentsWithoutSubscription: Number(r.no_sub) };
}
