// Holdout assignment, uplift and demotion (engine/learning/holdout.ts), without servers: assignment is
// deterministic with the configured share; the Newcombe interval matches the published example and
// covers a planted uplift at its nominal rate; demotion follows the interval; the gates route a
// demoted type to approval.
import { describe, expect, it } from 'vitest';
import { demotionChange, holdoutDraw, isHeldOut, upliftOf } from '../../engine/learning/holdout';
import { DEFAULT_POLICIES } from '../../engine/safety/config-schema';
import { evaluateGates } from '../../engine/safety/gates';
import { mulberry32 } from '../helpers/random';

describe('holdout assignment', () => {
  it('is the first 52 bits of SHA-256, so assignments persist across implementations', () => {
    // Python: hashlib.sha256(b'floyo-holdout:v1:onboarding_nudge:42') starts c2b24bef74a27d
    expect(holdoutDraw('onboarding_nudge', '42')).toBe(0xc2b24bef74a27 / 2 ** 52);
    expect(holdoutDraw('onboarding_nudge', '42')).toBe(0.7605330905540855);
  });

  it('is deterministic, uniform and holds out the configured share', () => {
    expect(holdoutDraw('onboarding_nudge', '42')).toBe(holdoutDraw('onboarding_nudge', '42'));
    let held = 0;
    for (let i = 0; i < 20_000; i++) if (isHeldOut('onboarding_nudge', String(i), 0.1)) held++;
    expect(held / 20_000).toBeGreaterThan(0.09);
    expect(held / 20_000).toBeLessThan(0.11);
    expect(isHeldOut('onboarding_nudge', '42', 0)).toBe(false);
  });

  it('draws independently per type, so one user is not the control of every type', () => {
    let both = 0;
    for (let i = 0; i < 20_000; i++)
      if (isHeldOut('onboarding_nudge', String(i), 0.5) && isHeldOut('retention_campaign', String(i), 0.5)) both++;
    expect(both / 20_000).toBeGreaterThan(0.23);
    expect(both / 20_000).toBeLessThan(0.27);
  });
});

describe('uplift', () => {
  it('matches Newcombe (1998) method 10 on the published example 56/70 vs 48/80', () => {
    const u = upliftOf({ successes: 56, failures: 14 }, { successes: 48, failures: 32 });
    expect(u.uplift).toBeCloseTo(0.2, 12);
    expect(u.interval![0]).toBeCloseTo(0.0524, 3);
    expect(u.interval![1]).toBeCloseTo(0.3339, 3);
    expect(u.credibleBenefit).toBe(true);
  });

  it('has no interval below the minimum sample', () => {
    const u = upliftOf({ successes: 5, failures: 5 }, { successes: 1, failures: 2 });
    expect(u.uplift).toBeCloseTo(0.5 - 1 / 3, 12);
    expect(u.interval).toBeNull();
    expect(demotionChange(false, u)).toBeNull();
  });

  it('covers a planted uplift (0.35 vs 0.25) in about 95% of runs', () => {
    let covered = 0;
    const runs = 60;
    for (let seed = 1; seed <= runs; seed++) {
      const rnd = mulberry32(seed);
      const draw = (n: number, p: number) => {
        let s = 0;
        for (let i = 0; i < n; i++) if (rnd() < p) s++;
        return { successes: s, failures: n - s };
      };
      const u = upliftOf(draw(1800, 0.35), draw(200, 0.25));
      if (u.interval![0] <= 0.1 && u.interval![1] >= 0.1) covered++;
    }
    // Expected ~57 of 60; fewer than 52 would mean the interval is too narrow (p < 0.01).
    expect(covered).toBeGreaterThanOrEqual(52);
  });

  it('demotes on credible harm and restores when the interval reaches 0 again', () => {
    const harmful = upliftOf({ successes: 100, failures: 400 }, { successes: 60, failures: 90 });
    expect(harmful.credibleHarm).toBe(true);
    expect(demotionChange(false, harmful)).toBe('demote');
    expect(demotionChange(true, harmful)).toBeNull();
    const recovered = upliftOf({ successes: 140, failures: 360 }, { successes: 40, failures: 110 });
    expect(recovered.interval![1]).toBeGreaterThanOrEqual(0);
    expect(demotionChange(true, recovered)).toBe('restore');
  });
});

describe('gates for a demoted type', () => {
  it('send it to approval whatever its confidence', () => {
    const input = {
      plan: {
        type: 'onboarding_nudge' as const,
        gateClass: 'optimization' as const,
        executable: true,
        detectionConfidence: 1,
        targetId: '7',
      },
      posterior: { alpha: 200, beta: 1 },
      thresholds: {},
      policies: DEFAULT_POLICIES,
      counters: {
        typeAdmittedInCycle: 0,
        recentContactsForUser: 0,
        recentFailuresForType: 0,
        now: new Date('2026-11-25T12:00:00Z'),
      },
    };
    expect(evaluateGates(input).verdict).toBe('execute');
    const demoted = evaluateGates({ ...input, demoted: { reason: 'uplift −8% [−12%, −3%]' } });
    expect(demoted.verdict).toBe('needs_approval');
    expect(demoted.reason).toBe('onboarding_nudge is demoted to approval-only: uplift −8% [−12%, −3%]');
  });
});
