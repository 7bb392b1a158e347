// The pure rules of campaigns and their rollout: waves from a ramp, the MaxErrors verdict, the campaign's one
// decision from its recipients, the expected impact's interval and the exclusion counts.
import { describe, expect, it } from 'vitest';
import { campaignIdOf, campaignStatusOf, exclusionCounts, expectedImpactOf } from '../../engine/campaigns/campaign';
import { afterWave, waveCutoffs } from '../../engine/campaigns/rollout';
import { policiesSchema, DEFAULT_POLICIES } from '../../engine/safety/config-schema';

describe('waveCutoffs', () => {
  it('turns the default ramp into cumulative counts that end at everyone', () => {
    expect(waveCutoffs(1000, [0.01, 0.05, 0.25, 1])).toEqual([10, 50, 250, 1000]);
    expect(waveCutoffs(40, [0.01, 0.05, 0.25, 1])).toEqual([1, 2, 10, 40]);
  });
  it('sends at least one more recipient per wave and drops waves a small campaign cannot fill', () => {
    expect(waveCutoffs(3, [0.01, 0.05, 0.25, 1])).toEqual([1, 2, 3]);
    expect(waveCutoffs(1, [0.01, 0.05, 0.25, 1])).toEqual([1]);
  });
  it('has no wave for nobody, and always ends at the total', () => {
    expect(waveCutoffs(0, [0.5, 1])).toEqual([]);
    expect(waveCutoffs(10, [0.5])).toEqual([5, 10]);
  });
  it('is strictly increasing for any size', () => {
    for (let total = 1; total <= 300; total++) {
      const cuts = waveCutoffs(total, [0.01, 0.05, 0.25, 1]);
      expect(cuts[cuts.length - 1]).toBe(total);
      cuts.forEach((c, i) => i > 0 && expect(c).toBeGreaterThan(cuts[i - 1]!));
    }
  });
});

describe('afterWave', () => {
  it('goes on while the error rate is at or under MaxErrors', () => {
    expect(afterWave({ attempted: 10, failed: 1 }, 0.1)).toEqual({ halt: false });
    expect(afterWave({ attempted: 0, failed: 0 }, 0)).toEqual({ halt: false });
  });
  it('halts above it, saying how many failed of how many', () => {
    const v = afterWave({ attempted: 10, failed: 2 }, 0.1);
    expect(v).toEqual({ halt: true, reason: '2 of 10 sends failed (20.0% > MaxErrors 10.0%)' });
  });
  it('with MaxErrors 0, halts on the first failure', () => {
    expect(afterWave({ attempted: 100, failed: 1 }, 0).halt).toBe(true);
  });
});

describe('campaignStatusOf', () => {
  it('one recipient awaiting an operator puts the whole campaign up for approval', () => {
    expect(campaignStatusOf({ pending_approval: 1, planned: 9, blocked: 3 })).toEqual({
      status: 'pending_approval',
      reason: '10 recipient(s) wait for one approval of the campaign',
    });
  });
  it('admitted recipients make it ready; dry runs and shadows say what they would do', () => {
    expect(campaignStatusOf({ planned: 4 }).status).toBe('approved');
    expect(campaignStatusOf({ dry_run: 4 }).reason).toBe('dry run: would message 4 recipient(s)');
    expect(campaignStatusOf({ shadowed: 2 }).status).toBe('shadow');
    expect(campaignStatusOf({ blocked: 2 }).status).toBe('blocked');
    expect(campaignStatusOf({ holdout: 2 }).status).toBe('completed');
  });
});

describe('expectedImpactOf', () => {
  it('scales the success posterior to the recipients with a 90% interval around the mean', () => {
    const e = expectedImpactOf(100, { alpha: 20, beta: 80 });
    expect(e.expectedSuccesses).toBe(20);
    expect(e.interval.low).toBeGreaterThan(10);
    expect(e.interval.low).toBeLessThan(20);
    expect(e.interval.high).toBeGreaterThan(20);
    expect(e.interval.high).toBeLessThan(30);
  });
});

describe('campaign ids and exclusions', () => {
  it('derives one id per (cycle, phase, type)', () => {
    expect(campaignIdOf('cycle-1', 'optimize', 'onboarding_nudge')).toBe('cycle-1:optimize:onboarding_nudge');
  });
  it('counts blocked recipients by the gate that stopped them', () => {
    expect(exclusionCounts(['contact_cap', 'quiet_hours', 'contact_cap', null])).toEqual({
      contact_cap: 2,
      quiet_hours: 1,
      blocked: 1,
    });
  });
});

describe('the campaign_rollout policy', () => {
  it('accepts the default and refuses a ramp that does not end at everyone or does not increase', () => {
    expect(policiesSchema.shape.campaign_rollout.safeParse(DEFAULT_POLICIES.campaign_rollout).success).toBe(true);
    const bad = (ramp: number[]) =>
      policiesSchema.shape.campaign_rollout.safeParse({ ...DEFAULT_POLICIES.campaign_rollout, ramp }).success;
    expect(bad([0.1, 0.5])).toBe(false);
    expect(bad([0.5, 0.2, 1])).toBe(false);
    expect(bad([1])).toBe(true);
  });
});
