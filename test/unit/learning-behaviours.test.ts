// Early-behaviour lift arithmetic on hand-computed counts, the minimum-sample filter, ranking (an
// unbounded lift first) and the judged cohort's window.
import { describe, expect, it } from 'vitest';
import { analyzeBehaviours, behaviourCohortWindow, behaviourLift } from '../../engine/learning/behaviours';
import { wilsonInterval } from '../../engine/kpi/wilson';

describe('behaviourLift', () => {
  it('N=100, R=30; 40 did it, 20 of them retained: 0.5 vs 10/60 → lift 3, difference 1/3', () => {
    const l = behaviourLift('invite_teammate', { users: 100, retained: 30, did: 40, didRetained: 20 }, 30);
    expect(l).toMatchObject({ didN: 40, didRetained: 20, didntN: 60, didntRetained: 10, sufficient: true });
    expect(l.pRetainedIfDid).toBe(0.5);
    expect(l.pRetainedIfDidnt).toBeCloseTo(1 / 6, 12);
    expect(l.lift).toBeCloseTo(3, 12);
    expect(l.difference).toBeCloseTo(1 / 3, 12);
    expect(l.didInterval).toEqual(wilsonInterval(20, 40));
    expect(l.didntInterval).toEqual(wilsonInterval(10, 60));
    // Wilson(20/40) ≈ [0.352, 0.648] lies above Wilson(10/60) ≈ [0.093, 0.280]: it separates the groups.
    expect(l.direction).toBe(1);
    expect(l.separates).toBe(true);
  });

  it('a behaviour that goes with churn has lift < 1 and direction −1', () => {
    const l = behaviourLift('error_seen', { users: 200, retained: 60, did: 100, didRetained: 10 }, 30);
    expect(l.pRetainedIfDid).toBe(0.1);
    expect(l.pRetainedIfDidnt).toBe(0.5);
    expect(l.lift).toBeCloseTo(0.2, 12);
    expect(l.direction).toBe(-1);
  });

  it('below the minimum sample in either group it is not sufficient and never separates', () => {
    const few = behaviourLift('rare', { users: 100, retained: 30, did: 29, didRetained: 29 }, 30);
    expect(few.sufficient).toBe(false);
    expect(few.separates).toBe(false);
    expect(behaviourLift('everyone', { users: 100, retained: 30, did: 71, didRetained: 30 }, 30).sufficient).toBe(
      false,
    );
    expect(behaviourLift('edge', { users: 100, retained: 30, did: 30, didRetained: 15 }, 30).sufficient).toBe(true);
  });

  it('nobody who skipped it was retained: lift is null (unbounded)', () => {
    const l = behaviourLift('setup', { users: 100, retained: 30, did: 50, didRetained: 30 }, 30);
    expect(l.pRetainedIfDidnt).toBe(0);
    expect(l.lift).toBeNull();
    expect(l.difference).toBeCloseTo(0.6, 12);
  });

  it('rejects inconsistent counts', () => {
    expect(() => behaviourLift('x', { users: 10, retained: 5, did: 3, didRetained: 4 }, 1)).toThrow(RangeError);
    expect(() => behaviourLift('x', { users: 10, retained: 9, did: 2, didRetained: 0 }, 1)).toThrow(RangeError);
  });
});

describe('analyzeBehaviours', () => {
  const counts = {
    users: 100,
    retained: 30,
    events: [
      { name: 'invite_teammate', did: 40, didRetained: 20 }, // lift 3
      { name: 'setup', did: 50, didRetained: 30 }, // unbounded
      { name: 'login', did: 60, didRetained: 18 }, // 0.3 vs 0.3 → lift 1
      { name: 'rare', did: 5, didRetained: 5 }, // insufficient
    ],
  };

  it('ranks sufficient behaviours by lift, unbounded first, and counts the insufficient ones', () => {
    const a = analyzeBehaviours(counts, { minSample: 30 });
    expect(a.ranked.map((r) => r.name)).toEqual(['setup', 'invite_teammate', 'login']);
    expect(a.ranked[2]!.lift).toBeCloseTo(1, 12);
    expect(a.ranked[2]!.direction).toBe(0);
    expect(a.insufficientCount).toBe(1);
    expect(a.baselineRetention).toBe(0.3);
    expect(a.topPositive).toEqual(['setup', 'invite_teammate']);
    expect(a.eventNames).toBe(4);
  });

  it('top limits the ranked list', () => {
    expect(analyzeBehaviours(counts, { minSample: 30, top: 1 }).ranked.map((r) => r.name)).toEqual(['setup']);
  });

  it('judged cohort: signups in [now − 35d − cohortDays, now − 35d)', () => {
    const now = new Date('2026-11-25T00:00:00Z');
    const w = behaviourCohortWindow(now, 90);
    expect(w.end.toISOString()).toBe('2026-10-21T00:00:00.000Z');
    expect(w.start.toISOString()).toBe('2026-07-23T00:00:00.000Z');
  });
});
