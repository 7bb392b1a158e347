// High-performing users (docs/learning.md): which early behaviours separate retained users from churned ones.
//
// Definitions (db/queries/learning.ts implements them in SQL; windows are half-open):
//   judged cohort   live users (deleted_at null) created in [now − 35d − cohortDays, now − 35d): old enough
//                   that their whole retention window is in the past (default cohortDays = 90).
//   early behaviour an event name the user produced in [created_at, created_at + 7d) (their first week).
//   retained        the user had any event in [created_at + 28d, created_at + 35d) (active in week 5);
//                   churned otherwise.
// For each event name e, with N judged users of whom R retained, and d users who did e, r of them retained:
//   P(retained | did e)    = r / d
//   P(retained | didn't e) = (R − r) / (N − d)
//   lift                   = P(retained | did) / P(retained | didn't)   (null when the denominator is 0)
//   difference             = P(retained | did) − P(retained | didn't)
// each rate with its 95% Wilson interval. A behaviour is ranked only when both groups have at least
// minSample users (otherwise the lift is noise and it is listed as insufficient); it "separates" the two
// groups when the Wilson intervals of the two rates do not overlap. Ranked by lift, highest first.
// Lift is association, not causation: the decide phase treats it as a hint for onboarding, not a proof.
//
// Patterns (what is reported as "separates retained from churned"): every sufficient behaviour is tested
// with a two-sided two-proportion z-test of P(retained | did) = P(retained | didn't); the p-values are
// adjusted by Benjamini–Hochberg over all tested behaviours (false discovery rate DEFAULT_FDR = 5%),
// because with dozens of event names some would pass a per-test 5% by chance. A pattern is a behaviour
// with BH-adjusted p ≤ FDR, lift > 1 and at least minSample users who did it; at most maxPatterns are
// reported, ordered by the lower bound of the lift's 95% interval (Katz log relative risk), so a large
// but uncertain lift does not outrank a solid one.
import { DAY_MS } from '../kpi/windows';
import { wilsonInterval } from '../kpi/wilson';
import { benjaminiHochberg, relativeRiskInterval, twoProportionPValue } from '../stats/multiple-testing';

export const EARLY_WINDOW_MS = 7 * DAY_MS;
export const RETAINED_WINDOW_START_MS = 28 * DAY_MS;
export const RETAINED_WINDOW_END_MS = 35 * DAY_MS;
export const DEFAULT_COHORT_DAYS = 90;
export const DEFAULT_BEHAVIOUR_MIN_SAMPLE = 30;
export const DEFAULT_TOP_BEHAVIOURS = 20;
export const DEFAULT_FDR = 0.05;
export const DEFAULT_MAX_PATTERNS = 5;

/** The judged cohort's signup window for a given `now`. */
export function behaviourCohortWindow(now: Date, cohortDays = DEFAULT_COHORT_DAYS): { start: Date; end: Date } {
  if (!(cohortDays > 0)) throw new RangeError(`cohortDays must be > 0, got ${cohortDays}`);
  const end = new Date(now.getTime() - RETAINED_WINDOW_END_MS);
  return { start: new Date(end.getTime() - cohortDays * DAY_MS), end };
}

export interface BehaviourCounts {
  /** Judged users N and retained users R. */
  users: number;
  retained: number;
  /** Per event name: users who did it in their first week, and how many of them were retained. */
  events: Array<{ name: string; did: number; didRetained: number }>;
}

export interface BehaviourLift {
  name: string;
  didN: number;
  didRetained: number;
  didntN: number;
  didntRetained: number;
  pRetainedIfDid: number | null;
  pRetainedIfDidnt: number | null;
  didInterval: [number, number] | null;
  didntInterval: [number, number] | null;
  /** null when P(retained | didn't) is 0 (unbounded) or undefined. */
  lift: number | null;
  difference: number | null;
  /** Both groups have at least minSample users. */
  sufficient: boolean;
  /** Sufficient and the two Wilson intervals do not overlap. */
  separates: boolean;
  /** +1 when doing it goes with retention, −1 against, 0 no clear separation. */
  direction: -1 | 0 | 1;
  /** 95% interval of the lift (Katz); null when a count is 0. */
  liftInterval: [number, number] | null;
  /** Two-sided two-proportion z-test; null when not sufficient (not tested). */
  pValue: number | null;
  /** Benjamini–Hochberg adjusted p over the tested behaviours; null when not tested. */
  qValue: number | null;
  /** qValue ≤ the analysis' FDR. */
  significant: boolean;
}

export interface BehaviourAnalysis {
  definition: string;
  users: number;
  retained: number;
  baselineRetention: number | null;
  minSample: number;
  eventNames: number;
  /** Sufficient behaviours ranked by lift (unbounded first), at most `top`. */
  ranked: BehaviourLift[];
  /** How many behaviours were below minSample in either group. */
  insufficientCount: number;
  /** The reported patterns' names (see `patterns`), best first. */
  topPositive: string[];
  /** At most maxPatterns behaviours with BH-adjusted p ≤ fdr, lift > 1 and support ≥ minSample, by lift lower bound. */
  patterns: BehaviourLift[];
  correction: { method: 'benjamini-hochberg'; fdr: number; tested: number };
}

export const RETENTION_DEFINITION =
  'retained = any event in [created_at + 28d, created_at + 35d); early behaviour = an event in [created_at, created_at + 7d); ' +
  'judged = live users created before now − 35d';

export function behaviourLift(
  name: string,
  counts: { users: number; retained: number; did: number; didRetained: number },
  minSample: number,
): BehaviourLift {
  const { users: N, retained: R, did: d, didRetained: r } = counts;
  for (const [k, v] of Object.entries({ N, R, d, r }))
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`behaviour ${name}: ${k} must be an integer ≥ 0, got ${v}`);
  if (R > N || d > N || r > d || r > R || R - r > N - d)
    throw new RangeError(`behaviour ${name}: inconsistent counts N=${N} R=${R} d=${d} r=${r}`);
  const didntN = N - d;
  const didntRetained = R - r;
  const pDid = d > 0 ? r / d : null;
  const pDidnt = didntN > 0 ? didntRetained / didntN : null;
  const didInterval = wilsonInterval(r, d);
  const didntInterval = wilsonInterval(didntRetained, didntN);
  const sufficient = d >= minSample && didntN >= minSample && d > 0 && didntN > 0;
  let direction: -1 | 0 | 1 = 0;
  if (sufficient && didInterval && didntInterval) {
    if (didInterval[0] > didntInterval[1]) direction = 1;
    else if (didInterval[1] < didntInterval[0]) direction = -1;
  }
  return {
    name,
    didN: d,
    didRetained: r,
    didntN,
    didntRetained,
    pRetainedIfDid: pDid,
    pRetainedIfDidnt: pDidnt,
    didInterval,
    didntInterval,
    lift: pDid != null && pDidnt != null && pDidnt > 0 ? pDid / pDidnt : null,
    difference: pDid != null && pDidnt != null ? pDid - pDidnt : null,
    sufficient,
    separates: direction !== 0,
    direction,
    liftInterval: relativeRiskInterval(r, d, didntRetained, didntN),
    pValue: sufficient ? twoProportionPValue(r, d, didntRetained, didntN) : null,
    qValue: null,
    significant: false,
  };
}

/** Lift descending; an unbounded lift (nobody who skipped it was retained, some who did were) first. */
function compareLift(a: BehaviourLift, b: BehaviourLift): number {
  const la = a.lift ?? ((a.pRetainedIfDid ?? 0) > 0 ? Infinity : -Infinity);
  const lb = b.lift ?? ((b.pRetainedIfDid ?? 0) > 0 ? Infinity : -Infinity);
  if (la !== lb) return lb - la;
  if (a.didN !== b.didN) return b.didN - a.didN;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function analyzeBehaviours(
  counts: BehaviourCounts,
  opts: { minSample?: number; top?: number; fdr?: number; maxPatterns?: number } = {},
): BehaviourAnalysis {
  const minSample = opts.minSample ?? DEFAULT_BEHAVIOUR_MIN_SAMPLE;
  const top = opts.top ?? DEFAULT_TOP_BEHAVIOURS;
  const fdr = opts.fdr ?? DEFAULT_FDR;
  const maxPatterns = opts.maxPatterns ?? DEFAULT_MAX_PATTERNS;
  if (!(minSample >= 1)) throw new RangeError(`minSample must be ≥ 1, got ${minSample}`);
  if (!(fdr > 0 && fdr < 1)) throw new RangeError(`fdr must be in (0, 1), got ${fdr}`);
  const lifts = counts.events.map((e) =>
    behaviourLift(
      e.name,
      { users: counts.users, retained: counts.retained, did: e.did, didRetained: e.didRetained },
      minSample,
    ),
  );
  const sufficient = lifts.filter((l) => l.sufficient).sort(compareLift);
  const q = benjaminiHochberg(sufficient.map((l) => l.pValue ?? 1));
  sufficient.forEach((l, i) => {
    l.qValue = q[i]!;
    l.significant = q[i]! <= fdr;
  });
  const lower = (l: BehaviourLift) => l.liftInterval?.[0] ?? ((l.pRetainedIfDidnt ?? 1) === 0 ? Infinity : 0);
  const patterns = sufficient
    .filter((l) => l.significant && (l.lift === null ? (l.pRetainedIfDid ?? 0) > 0 : l.lift > 1))
    .sort((a, b) => lower(b) - lower(a) || compareLift(a, b))
    .slice(0, maxPatterns);
  return {
    definition: RETENTION_DEFINITION,
    users: counts.users,
    retained: counts.retained,
    baselineRetention: counts.users > 0 ? counts.retained / counts.users : null,
    minSample,
    eventNames: lifts.length,
    ranked: sufficient.slice(0, top),
    insufficientCount: lifts.length - sufficient.length,
    topPositive: patterns.map((l) => l.name),
    patterns,
    correction: { method: 'benjamini-hochberg', fdr, tested: sufficient.length },
  };
}
