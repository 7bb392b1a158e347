// The ML suggestions shown to users in the demo data, per batch of users inside PostgreSQL.
//
// Activated users see 1–4 suggestions, the others 0–1, shown at a uniform time of their life so far.
// confidence is the mean of three uniforms (a bump around 0.5) shifted by kind, clamped to [0, 1].
// 12% are never acted on; the rest are resolved 1 minute to 2 days later (unless that is after now:
// still 'shown'), applied with probability 0.05 + 0.7·confidence^1.5 (+0.08 for activated users),
// else dismissed. So adoption rises with confidence, which is what the engine learns from.
import { DAY_S, exec, type SeedContext } from './context';

export const SUGGESTION_KINDS = ['next_step', 'template', 'integration', 'invite_teammate', 'upgrade_plan'] as const;
/** Per-kind confidence shift, same order as SUGGESTION_KINDS. */
const KIND_SHIFT = [0.1, 0.05, 0, -0.05, -0.1];

export async function insertSuggestionBatch(ctx: SeedContext, lo: number, hi: number): Promise<number> {
  const { rnd, T } = ctx;
  const key = '(u.id * 16 + k.k)';
  const kinds = `ARRAY[${SUGGESTION_KINDS.map((k) => `'${k}'`).join(', ')}]`;
  const shifts = `ARRAY[${KIND_SHIFT.join(', ')}]::float8[]`;
  return exec(
    ctx,
    `INSERT INTO app.suggestions (id, user_id, kind, confidence, status, shown_at, resolved_at, model_version)
     SELECT (SELECT coalesce(max(id), 0) FROM app.suggestions) + row_number() OVER (ORDER BY s.user_id, s.shown_at, s.k),
            s.user_id, s.kind, s.confidence,
            CASE WHEN s.resolved_at IS NULL THEN 'shown' WHEN s.applied THEN 'applied' ELSE 'dismissed' END,
            s.shown_at, s.resolved_at,
            CASE WHEN s.shown_at < ${T} - make_interval(secs => ${30 * DAY_S}) THEN 'reco-v3.1' ELSE 'reco-v3.2' END
       FROM (
         SELECT u.id AS user_id, k.k, a.kind, a.confidence, a.shown_at,
                CASE WHEN ${rnd(key, 45)} >= 0.12 AND a.shown_at + make_interval(secs => a.delay) <= ${T}
                     THEN a.shown_at + make_interval(secs => a.delay) END AS resolved_at,
                ${rnd(key, 46)} < 0.05 + 0.7 * power(a.confidence, 1.5) + CASE WHEN u.activated_at IS NOT NULL THEN 0.08 ELSE 0 END AS applied
           FROM seed_users u
          CROSS JOIN LATERAL generate_series(1, (CASE WHEN u.destined THEN 1 + floor(${rnd('u.id', 40)} * 4)
                                                     ELSE floor(${rnd('u.id', 40)} * 1.7) END)::int) AS k(k)
          CROSS JOIN LATERAL (SELECT 1 + floor(${rnd(key, 42)} * ${SUGGESTION_KINDS.length})::int AS ki) ki
          CROSS JOIN LATERAL (
                SELECT (${kinds})[ki.ki] AS kind,
                       round(greatest(0, least(1, (${rnd(key, 43)} + ${rnd(key, 47)} + ${rnd(key, 48)}) / 3 + (${shifts})[ki.ki]))::numeric, 4)::float8 AS confidence,
                       u.created_at + make_interval(secs => floor(${rnd(key, 41)} * u.age_s)) AS shown_at,
                       floor(60 + ${2 * DAY_S - 60} * power(${rnd(key, 44)}, 2)) AS delay) a
          WHERE u.id BETWEEN ${lo} AND ${hi}
       ) s`,
  );
}
