// The event stream of the demo data, generated per batch of users inside PostgreSQL.
//
// Per user: `signup` at created_at; `onboarding_started` minutes later (95% of the users destined to
// activate, 60% of the others); `onboarding_completed` within 2–3 days (88% / 20%); `project_created`
// at activated_at. Then daily activity: day d (the 24h window [created_at + d·24h, created_at + (d+1)·24h),
// the same windows D7 retention counts in) is active with probability
//   p(0) = p0,  p(d) = engaged · (floor_p + (1 − floor_p) · e^(−d/tau))
// (users destined to activate: engaged 0.5–0.9, tau 25 days, floor 0.35, p0 0.9, up to 5 events a day;
// the others: 0.08–0.38, 4 days, 0.05, p0 0.35, up to 2), and an active day holds 1..max_per_day events
// (login, feature_used, project_created, invite_sent). So activity decays after signup, activated users
// are far more active (~60 vs ~4 events on average), and D7 retention (the cohort's mean p(7), plus the
// odd late milestone event) comes out near 0.22: a real quantity just under the 0.25 target.
// Every event time is at most `now`: offsets are drawn inside [0, now − created_at].
import { DAY_S, exec, scalar, type SeedContext } from './context';

/** Inserts the events of users lo..hi and records each user's newest event in seed_last_seen; returns the count. */
export async function insertEventBatch(ctx: SeedContext, lo: number, hi: number): Promise<number> {
  const { rnd } = ctx;
  const base = await scalar(ctx, 'SELECT coalesce(max(id), 0) FROM app.events');
  const dayKey = '(u.id * 1000 + act.d)';
  const eventKey = `((u.id * 1000 + act.d) * 8 + jj.j)`;
  await exec(
    ctx,
    `WITH u AS MATERIALIZED (SELECT * FROM seed_users WHERE id BETWEEN ${lo} AND ${hi}),
     gen AS (
       SELECT u.id AS user_id, 0 AS src, 0 AS d, 0 AS j, 'signup'::text AS name, u.created_at AS occurred_at,
              jsonb_build_object('channel', u.channel) AS properties
         FROM u
       UNION ALL
       SELECT u.id, 0, 0, 1, 'onboarding_started', u.created_at + make_interval(secs => o.off), '{}'::jsonb
         FROM u CROSS JOIN LATERAL (SELECT floor(30 + 1170 * ${rnd('u.id', 20)}) AS off) o
        WHERE ${rnd('u.id', 21)} < CASE WHEN u.destined THEN 0.95 ELSE 0.60 END AND o.off <= u.age_s
       UNION ALL
       SELECT u.id, 0, 0, 2, 'onboarding_completed', u.created_at + make_interval(secs => o.off),
              jsonb_build_object('steps', 3 + floor(${rnd('u.id', 24)} * 3)::int)
         FROM u CROSS JOIN LATERAL (
              SELECT floor(300 + CASE WHEN u.destined THEN ${2 * DAY_S} ELSE ${3 * DAY_S} END * power(${rnd('u.id', 22)}, 2)) AS off) o
        WHERE ${rnd('u.id', 23)} < CASE WHEN u.destined THEN 0.88 ELSE 0.20 END AND o.off <= u.age_s
       UNION ALL
       SELECT u.id, 0, 0, 3, 'project_created', u.activated_at, '{"first": true}'::jsonb
         FROM u WHERE u.activated_at IS NOT NULL
       UNION ALL
       SELECT u.id, 1, act.d, jj.j, n.name,
              u.created_at + make_interval(secs => floor(act.d * ${DAY_S}
                                          + ${rnd(eventKey, 32)} * least(${DAY_S}, u.age_s - act.d * ${DAY_S}))),
              CASE n.name
                WHEN 'login' THEN jsonb_build_object('platform', (ARRAY['web', 'web', 'ios', 'android'])[1 + floor(${rnd(eventKey, 34)} * 4)::int])
                WHEN 'feature_used' THEN jsonb_build_object('feature',
                     (ARRAY['editor', 'templates', 'automations', 'reports', 'integrations', 'api'])[1 + floor(${rnd(eventKey, 34)} * 6)::int])
                WHEN 'invite_sent' THEN jsonb_build_object('invitees', 1 + floor(${rnd(eventKey, 34)} * 3)::int)
                ELSE jsonb_build_object('from_template', ${rnd(eventKey, 34)} < 0.4)
              END
         FROM u
        CROSS JOIN LATERAL (
              SELECT dd.d FROM generate_series(0, u.last_day) AS dd(d)
               WHERE ${rnd('(u.id * 1000 + dd.d)', 30)} < CASE WHEN dd.d = 0 THEN u.p0
                                 ELSE u.engaged * (u.floor_p + (1 - u.floor_p) * exp(-dd.d / u.tau)) END) act
        CROSS JOIN LATERAL generate_series(1, 1 + floor(${rnd(dayKey, 31)} * u.max_per_day)::int) AS jj(j)
        CROSS JOIN LATERAL (
              SELECT CASE WHEN u.destined
                          THEN CASE WHEN r < 0.30 THEN 'login' WHEN r < 0.80 THEN 'feature_used' WHEN r < 0.92 THEN 'project_created' ELSE 'invite_sent' END
                          ELSE CASE WHEN r < 0.45 THEN 'login' WHEN r < 0.92 THEN 'feature_used' WHEN r < 0.99 THEN 'project_created' ELSE 'invite_sent' END
                     END AS name
                FROM (SELECT ${rnd(eventKey, 33)} AS r) x) n
     ),
     ins AS (
       INSERT INTO app.events (id, user_id, name, occurred_at, properties)
       SELECT ${base} + row_number() OVER (ORDER BY user_id, occurred_at, src, d, j), user_id, name, occurred_at, properties
         FROM gen
       RETURNING user_id, occurred_at
     )
     INSERT INTO seed_last_seen (user_id, last_seen_at)
     SELECT user_id, max(occurred_at) FROM ins GROUP BY user_id`,
  );
  return (await scalar(ctx, 'SELECT coalesce(max(id), 0) FROM app.events')) - base;
}

/** The planted future events: one per `future_event` user, 1 minute to 30 days after now (ids after the normal ones). */
export async function insertFutureEvents(ctx: SeedContext): Promise<number> {
  const { rnd, T } = ctx;
  return exec(
    ctx,
    `INSERT INTO app.events (id, user_id, name, occurred_at, properties)
     SELECT (SELECT coalesce(max(id), 0) FROM app.events) + u.role_idx + 1, u.id, 'login',
            ${T} + make_interval(secs => 60 + floor(${rnd('u.id', 90)} * ${30 * DAY_S})),
            '{"platform": "android"}'::jsonb
       FROM seed_users u WHERE u.role = 'future_event'`,
  );
}
