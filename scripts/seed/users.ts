// The user frame of the demo data: one row per user in a temporary table (signup time, channel,
// activation, engagement parameters, planted role), from which events, subscriptions and
// suggestions are derived; and the final app.users rows, written once last_seen_at is known.
import { DAY_S, HOUR_S, SIGNUP_SPAN_DAYS, exec, scalar, type SeedContext } from './context';
import { duplicateGroupSize, orphanSplit, type PlantedCounts } from './planted';

/**
 * Email validity (the rule the data-quality detector applies too): an email is valid iff
 *   lower(btrim(email)) ~ '^[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$'
 * Normal users get `user{id}@<domain>` (unique, valid, already normalized); only planted users break it.
 */
// The one email rule the detectors and the normalize_email fix share.
export { VALID_EMAIL_REGEX_SOURCE as EMAIL_VALIDITY_PATTERN } from '../../engine/planning/email';

export const CHANNELS = ['organic', 'paid_search', 'social', 'referral', 'partner'] as const;

/** Planted user roles, each a disjoint block of live users picked by a seeded shuffle. */
export type UserRole =
  'null_email' | 'malformed' | 'unnormalized' | 'duplicate' | 'orphan_deleted' | 'missing_plan' | 'future_event';

export function roleSizes(p: PlantedCounts): Array<[UserRole, number]> {
  return [
    ['null_email', p.nullEmails],
    ['malformed', p.malformedEmails],
    ['unnormalized', p.unnormalizedEmails],
    ['duplicate', p.duplicateEmailUsers],
    // Owners of the active subscriptions that are orphaned because their user is deleted.
    ['orphan_deleted', orphanSplit(p.orphanedActiveSubscriptions).deletedUser],
    // Live owners of the subscriptions whose plan does not exist.
    ['missing_plan', p.subscriptionsMissingPlan],
    // Users with one event dated after `now` (clock skew on a client).
    ['future_event', p.futureEvents],
  ];
}

/**
 * seed_users: signups spread over the 90 days before now with linear growth (today's signup rate is
 * twice that of 90 days ago; ids follow signup order, plus up to an hour of jitter); ~30% destined to
 * activate (by channel: referral and partner users more, social and paid search less), 85% of them
 * within 7 days, the rest 7–25 days after signup (and not at all if that is still in the future);
 * 1.2% of users deleted. Engagement parameters drive the events' decaying daily activity.
 */
export async function buildUserFrame(ctx: SeedContext): Promise<void> {
  const { rnd, T, users: N } = ctx;
  await exec(
    ctx,
    `CREATE TEMP TABLE seed_users ON COMMIT DROP AS
     SELECT g.id,
            a.age_s,
            ${T} - make_interval(secs => a.age_s) AS created_at,
            c.channel,
            d.destined,
            CASE WHEN d.destined AND o.act_offset <= a.age_s
                 THEN ${T} - make_interval(secs => a.age_s - o.act_offset) END AS activated_at,
            ${rnd('g.id', 7)} < 0.012 AS deleted,
            -- Daily activity probability on day d >= 1: engaged · (floor_p + (1 − floor_p) · e^(−d/tau)).
            CASE WHEN d.destined THEN 0.50 + 0.40 * ${rnd('g.id', 6)} ELSE 0.08 + 0.30 * ${rnd('g.id', 6)} END AS engaged,
            CASE WHEN d.destined THEN 25.0 ELSE 4.0 END::float8 AS tau,
            CASE WHEN d.destined THEN 0.35 ELSE 0.05 END::float8 AS floor_p,
            -- Probability of more activity on the signup day itself.
            CASE WHEN d.destined THEN 0.90 ELSE 0.35 END::float8 AS p0,
            CASE WHEN d.destined THEN 5 ELSE 2 END AS max_per_day,
            (a.age_s / ${DAY_S})::int AS last_day,
            NULL::text AS role,
            NULL::int AS role_idx
       FROM generate_series(1::bigint, ${N}::bigint) AS g(id)
      CROSS JOIN LATERAL (
            -- Inverse CDF of a linearly growing signup density over rank p = (id − ½)/N.
            SELECT floor(${SIGNUP_SPAN_DAYS * DAY_S} * (2 - sqrt(1 + 3 * ((g.id - 0.5)::float8 / ${N})))
                         + ${HOUR_S} * ${rnd('g.id', 1)})::bigint AS age_s) a
      CROSS JOIN LATERAL (
            SELECT CASE WHEN r < 0.35 THEN 'organic' WHEN r < 0.60 THEN 'paid_search' WHEN r < 0.80 THEN 'social'
                        WHEN r < 0.92 THEN 'referral' ELSE 'partner' END AS channel
              FROM (SELECT ${rnd('g.id', 2)} AS r) x) c
      CROSS JOIN LATERAL (
            SELECT ${rnd('g.id', 3)} < CASE c.channel WHEN 'organic' THEN 0.32 WHEN 'paid_search' THEN 0.24 WHEN 'social' THEN 0.22
                                                      WHEN 'referral' THEN 0.45 ELSE 0.38 END AS destined) d
      CROSS JOIN LATERAL (
            SELECT CASE WHEN ${rnd('g.id', 4)} < 0.85
                        THEN 600 + floor(${7 * DAY_S - 600} * power(${rnd('g.id', 5)}, 1.7))
                        ELSE ${7 * DAY_S + 1} + floor(${18 * DAY_S} * ${rnd('g.id', 5)}) END::bigint AS act_offset) o`,
  );
  await exec(ctx, 'ALTER TABLE seed_users ADD PRIMARY KEY (id)');
}

/**
 * Picks the planted users: live users in a seeded shuffled order, cut into consecutive blocks, one per
 * role (so every planted user has exactly one role). role_idx numbers the users within their block.
 * Also builds seed_dup_slots, mapping a duplicate-role user (by role_idx) to its group and member index.
 */
export async function assignPlantedRoles(ctx: SeedContext, planted: PlantedCounts): Promise<void> {
  const blocks: Array<{ role: UserRole; lo: number; hi: number }> = [];
  let at = 0;
  for (const [role, size] of roleSizes(planted)) {
    blocks.push({ role, lo: at, hi: at + size });
    at += size;
  }
  const live = await scalar(ctx, 'SELECT count(*) FROM seed_users WHERE NOT deleted');
  if (live < at) throw new Error(`not enough live users (${live}) for ${at} planted users: seed more users`);

  const values = blocks.map((b) => `('${b.role}', ${b.lo}, ${b.hi})`).join(', ');
  await exec(
    ctx,
    `UPDATE seed_users s
        SET role = b.role, role_idx = (r.rk - b.lo)::int
       FROM (SELECT id, row_number() OVER (ORDER BY ${ctx.rnd('id', 50)}, id) - 1 AS rk
               FROM seed_users WHERE NOT deleted) r
       JOIN (VALUES ${values}) AS b(role, lo, hi) ON r.rk >= b.lo AND r.rk < b.hi
      WHERE s.id = r.id`,
  );
  // The owners of orphaned-by-deletion subscriptions are deleted users (deleted_at is set in insertUsers).
  await exec(ctx, `UPDATE seed_users SET deleted = true WHERE role = 'orphan_deleted'`);

  const sizes = Array.from({ length: planted.duplicateEmailGroups }, (_, g) => `(${g}, ${duplicateGroupSize(g)})`).join(
    ', ',
  );
  await exec(
    ctx,
    `CREATE TEMP TABLE seed_dup_slots ON COMMIT DROP AS
     SELECT (row_number() OVER (ORDER BY g.grp, m.member) - 1)::int AS slot, g.grp, m.member
       FROM (VALUES ${sizes}) AS g(grp, size)
      CROSS JOIN LATERAL generate_series(0, g.size - 1) AS m(member)`,
  );
  await exec(ctx, 'ANALYZE seed_users');
}

/**
 * app.users from the frame. last_seen_at is the newest event (seed_last_seen, filled by the event
 * batches, never counting the planted future events); a deleted user was deleted after last being seen.
 */
export async function insertUsers(ctx: SeedContext): Promise<number> {
  const { rnd, T } = ctx;
  const id = (s: string) => `'${s}' || u.id || '`;
  return exec(
    ctx,
    `INSERT INTO app.users (id, email, created_at, activated_at, last_seen_at, acquisition_channel, deleted_at, marketing_opt_out)
     SELECT u.id,
            CASE u.role
              WHEN 'null_email' THEN NULL
              -- Invalid even after trimming and lower-casing; unique (they carry the id) so they form no duplicate group.
              WHEN 'malformed' THEN (ARRAY[${id('user')}.example.com', ${id('user')}@example', ${id('user')}@exa mple.com',
                                           ${id('@user')}.example.com', ${id('user')}@example.c', ${id('user')}@@example.com'])[1 + u.role_idx % 6]
              -- Valid once normalized, and the normalized address is this user's alone.
              WHEN 'unnormalized' THEN (ARRAY[${id('USER')}@EXAMPLE.COM', ${id('  user')}@example.com ', ${id(' User')}@Example.org'])[1 + u.role_idx % 3]
              -- Groups share one normalized address; members 1 and 2 differ only in case or padding.
              WHEN 'duplicate' THEN (ARRAY['shared' || (d.grp + 1) || '@example.io', 'Shared' || (d.grp + 1) || '@Example.io',
                                           ' shared' || (d.grp + 1) || '@example.io'])[1 + d.member]
              ELSE 'user' || u.id || '@' || (ARRAY['example.com', 'example.org', 'example.net', 'mail.example.com'])[1 + floor(${rnd('u.id', 8)} * 4)::int]
            END,
            u.created_at,
            u.activated_at,
            ls.last_seen_at,
            u.channel,
            CASE WHEN u.deleted
                 THEN ls.last_seen_at + make_interval(secs => floor(${rnd('u.id', 9)} * extract(epoch FROM ${T} - ls.last_seen_at)::float8)) END,
            ${rnd('u.id', 10)} < 0.18
       FROM seed_users u
       JOIN seed_last_seen ls ON ls.user_id = u.id
       LEFT JOIN seed_dup_slots d ON u.role = 'duplicate' AND d.slot = u.role_idx
      ORDER BY u.id`,
  );
}
