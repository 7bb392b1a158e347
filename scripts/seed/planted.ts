// How many of each planted problem the generator writes for a given user count: a pure function, so
// the numbers are known before any row exists and the generator can check the data against them.
import type { SeedManifest } from './manifest';

export type PlantedCounts = SeedManifest['planted'];

/** The generator needs room for its planted rows among the live users (see plantedCounts' minimums). */
export const MIN_USERS = 100;

/** max(minimum, round(users · share)): about `share` of the users, never fewer than a few. */
function scaled(users: number, share: number, minimum: number): number {
  return Math.max(minimum, Math.round(users * share));
}

/** Duplicate-email group g (0-based) has 3 users when g is a multiple of 3, else 2. */
export function duplicateGroupSize(group: number): number {
  return group % 3 === 0 ? 3 : 2;
}

export function plantedCounts(users: number): PlantedCounts {
  if (!Number.isInteger(users) || users < MIN_USERS)
    throw new RangeError(`users must be an integer >= ${MIN_USERS}, got ${users}`);
  const duplicateEmailGroups = scaled(users, 0.002, 2);
  let duplicateEmailUsers = 0;
  for (let g = 0; g < duplicateEmailGroups; g++) duplicateEmailUsers += duplicateGroupSize(g);
  return {
    orphanedActiveSubscriptions: scaled(users, 0.003, 4),
    nullEmails: scaled(users, 0.004, 3),
    malformedEmails: scaled(users, 0.005, 3),
    unnormalizedEmails: scaled(users, 0.005, 3),
    duplicateEmailGroups,
    duplicateEmailUsers,
    futureEvents: scaled(users, 0.005, 3),
    subscriptionsMissingPlan: scaled(users, 0.002, 3),
    negativeAmounts: scaled(users, 0.002, 3),
    retryableFailedPayments: scaled(users, 0.005, 3),
    softDeclinesNotDue: scaled(users, 0.003, 3),
    softDeclinesExhausted: scaled(users, 0.002, 3),
    hardDeclines: scaled(users, 0.003, 3),
    stuckPayments: scaled(users, 0.001, 3),
  };
}

/** Orphaned active subscriptions are split: the first half point at no user row, the rest at deleted users. */
export function orphanSplit(total: number): { missingUser: number; deletedUser: number } {
  const missingUser = Math.ceil(total / 2);
  return { missingUser, deletedUser: total - missingUser };
}
