// The planners' target queries (db/queries/targets.ts, group `targets`): which rows the heal, optimize and
// prevent phases would act on, each capped at the default per-type cap and skipping users contacted in
// the contact-cap window, as the planners call them.
import {
  queryAtRiskUsers,
  queryChurnSignalUsers,
  queryOrphanedActiveSubscriptions,
  queryRecentNonActivatedSignups,
  queryRetryablePayments,
  queryUnnormalizedEmails,
  queryUpgradeCandidates,
} from '../../db/queries/targets';
import { CONTACT_WINDOW_DAYS, DETECTOR_OPTIONS, TYPE_CAP, type BenchCase, type BenchContext } from './case';

const DAY_MS = 86_400_000;

function messageOptions(ctx: BenchContext) {
  return { limit: TYPE_CAP, contactedSince: new Date(ctx.now.getTime() - CONTACT_WINDOW_DAYS * DAY_MS) };
}

const rows = (r: unknown[]) => `${r.length} rows`;

const TARGET_QUERIES: Array<{ name: string; run: (ctx: BenchContext) => Promise<unknown[]> }> = [
  {
    name: 'queryRetryablePayments',
    run: (ctx) =>
      queryRetryablePayments(ctx.db, ctx.now, { limit: TYPE_CAP, maxAttempts: DETECTOR_OPTIONS.maxAttempts ?? 4 }),
  },
  {
    name: 'queryOrphanedActiveSubscriptions',
    run: (ctx) => queryOrphanedActiveSubscriptions(ctx.db, { limit: TYPE_CAP }),
  },
  { name: 'queryUnnormalizedEmails', run: (ctx) => queryUnnormalizedEmails(ctx.db, { limit: TYPE_CAP }) },
  {
    name: 'queryRecentNonActivatedSignups',
    run: (ctx) => queryRecentNonActivatedSignups(ctx.db, ctx.now, messageOptions(ctx)),
  },
  { name: 'queryAtRiskUsers', run: (ctx) => queryAtRiskUsers(ctx.db, ctx.now, messageOptions(ctx)) },
  { name: 'queryChurnSignalUsers', run: (ctx) => queryChurnSignalUsers(ctx.db, ctx.now, messageOptions(ctx)) },
  { name: 'queryUpgradeCandidates', run: (ctx) => queryUpgradeCandidates(ctx.db, ctx.now, messageOptions(ctx)) },
];

export const TARGETS_TOTAL_CASE = 'all target queries';

export function planningCases(): BenchCase[] {
  return [
    ...TARGET_QUERIES.map((q): BenchCase => ({
      group: 'targets',
      name: q.name,
      explain: true,
      run: async (ctx) => rows(await q.run(ctx)),
    })),
    {
      group: 'targets',
      name: TARGETS_TOTAL_CASE,
      explain: false,
      run: async (ctx) => {
        let total = 0;
        for (const q of TARGET_QUERIES) total += (await q.run(ctx)).length;
        return `${total} rows`;
      },
    },
  ];
}
