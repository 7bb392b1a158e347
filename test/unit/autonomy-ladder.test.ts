// The sample-ratio-mismatch test (engine/learning/srm.ts) on known chi-square values, the autonomy ladder's
// promotion and demotion rules (engine/autonomy/ladder.ts), the level a type starts at
// (engine/autonomy/levels.ts), and what each level does to the gates' verdict and the stored status.
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { describe, expect, it } from 'vitest';
import { ladderStep, type LadderEvidence } from '../../engine/autonomy/ladder';
import { ACTION_DEFINITION_VERSIONS, effectiveLevel } from '../../engine/autonomy/levels';
import { upliftOf } from '../../engine/learning/holdout';
import { srmFinding, srmTest } from '../../engine/learning/srm';
import { DEFAULT_POLICIES } from '../../engine/safety/config-schema';
import { evaluateGates, type GateInput } from '../../engine/safety/gates';
import { actionVerdict } from '../../engine/safety/verdict';

const POLICY = { minShadowDecisions: 50, minOutcomes: 100 };

describe('srmTest: chi-square goodness of fit, one degree of freedom', () => {
  it('a split exactly at the expected share has statistic 0 and p = 1', () => {
    const r = srmTest(900, 100, 0.1, 0.001);
    expect(r.chiSquare).toBe(0);
    expect(r.pValue).toBeCloseTo(1, 12);
    expect(r.status).toBe('healthy');
  });

  it('computes Pearson’s statistic and the upper tail of χ²₁ (= 2·(1 − Φ(√x)))', () => {
    // 1000 targets, 10% expected: 150 held out → (50²/100) + (50²/900) = 27.777…
    const r = srmTest(850, 150, 0.1, 0.001);
    expect(r.chiSquare).toBeCloseTo(25 + 2500 / 900, 10);
    expect(r.pValue).toBeCloseTo(2 * (1 - normalCdf(Math.sqrt(25 + 2500 / 900), 0, 1)), 12);
    expect(r.pValue!).toBeLessThan(1e-6);
    expect(r.status).toBe('mismatch');
  });

  it('matches the textbook critical values 3.841 (p = 0.05) and 10.828 (p = 0.001)', () => {
    // share 0.5, n = 1000: statistic = d²/250 for a deviation d from 500.
    const at = (d: number) => srmTest(500 + d, 500 - d, 0.5, 0.001);
    expect(at(31).chiSquare).toBeCloseTo(3.844, 3);
    expect(at(31).pValue).toBeCloseTo(0.04993, 4);
    expect(at(31).status).toBe('healthy');
    expect(at(52).chiSquare).toBeCloseTo(10.816, 3);
    expect(at(52).pValue!).toBeGreaterThan(0.001); // just short of 10.828
    expect(at(53).pValue!).toBeLessThan(0.001); // 11.236 is past it
    expect(at(53).status).toBe('mismatch');
  });

  it('does not test below 5 expected per group or without a holdout share', () => {
    expect(srmTest(40, 0, 0.1, 0.001).status).toBe('insufficient');
    expect(srmTest(100, 0, 0, 0.001).status).toBe('insufficient');
    expect(srmTest(100, 0, 0, 0.001).pValue).toBeNull();
  });

  it('a mismatch is a holdout:srm finding with expected, observed and p as evidence', () => {
    const f = srmFinding('onboarding_nudge', srmTest(850, 150, 0.1, 0.001));
    expect(f).toMatchObject({ fingerprint: 'holdout:srm:onboarding_nudge', detector: 'holdout', kind: 'srm' });
    expect(f.evidence).toMatchObject({ observed: { treated: 850, holdout: 150 }, expected: { holdout: 100 } });
    expect(f.evidence.pValue).toBeLessThan(0.001);
  });
});

function evidence(p: Partial<LadderEvidence> = {}): LadderEvidence {
  return { shadowDecisions: 0, outcomes: 0, uplift: null, srm: null, guardrailBreach: null, ...p };
}
const good = upliftOf({ successes: 120, failures: 80 }, { successes: 20, failures: 80 }); // 60% vs 20%
const harmful = upliftOf({ successes: 20, failures: 180 }, { successes: 40, failures: 60 }); // 10% vs 40%
const flat = upliftOf({ successes: 50, failures: 150 }, { successes: 25, failures: 75 }); // 25% vs 25%
const mismatch = srmTest(850, 150, 0.1, 0.001);

describe('ladderStep: promotion and demotion', () => {
  it('shadow → approval after minShadowDecisions, not before', () => {
    expect(ladderStep('shadow', evidence({ shadowDecisions: 49 }), POLICY)).toMatchObject({
      level: 'shadow',
      change: null,
      nextStep: 'approval after 1 more shadow decisions',
    });
    expect(ladderStep('shadow', evidence({ shadowDecisions: 50 }), POLICY)).toMatchObject({
      level: 'approval',
      change: 'promote',
    });
  });

  it('approval → auto needs the minimum outcomes and an uplift lower bound above 0', () => {
    expect(good.interval![0]).toBeGreaterThan(0);
    expect(ladderStep('approval', evidence({ outcomes: 99, uplift: good }), POLICY).level).toBe('approval');
    expect(ladderStep('approval', evidence({ outcomes: 200, uplift: flat }), POLICY)).toMatchObject({
      level: 'approval',
      change: null,
    });
    expect(ladderStep('approval', evidence({ outcomes: 200, uplift: flat }), POLICY).nextStep).toMatch(
      /lower bound above 0/,
    );
    expect(ladderStep('approval', evidence({ outcomes: 200, uplift: null }), POLICY).level).toBe('approval');
    expect(ladderStep('approval', evidence({ outcomes: 200, uplift: good }), POLICY)).toMatchObject({
      level: 'auto',
      change: 'promote',
    });
  });

  it('an SRM blocks promotion and demotes one step', () => {
    expect(ladderStep('shadow', evidence({ shadowDecisions: 500, srm: mismatch }), POLICY).level).toBe('shadow');
    expect(ladderStep('approval', evidence({ outcomes: 200, uplift: good, srm: mismatch }), POLICY)).toMatchObject({
      level: 'shadow',
      change: 'demote',
    });
    const auto = ladderStep('auto', evidence({ outcomes: 200, uplift: good, srm: mismatch }), POLICY);
    expect(auto).toMatchObject({ level: 'approval', change: 'demote' });
    expect(auto.reason).toMatch(/sample-ratio mismatch/);
  });

  it('an uplift credibly below 0 or a guardrail breach demotes; auto without a breach stays', () => {
    expect(harmful.interval![1]).toBeLessThan(0);
    expect(ladderStep('auto', evidence({ outcomes: 200, uplift: harmful }), POLICY)).toMatchObject({
      level: 'approval',
      change: 'demote',
    });
    expect(ladderStep('auto', evidence({ guardrailBreach: 'unsubscribe rate up' }), POLICY).level).toBe('approval');
    expect(ladderStep('auto', evidence({ outcomes: 200, uplift: flat }), POLICY)).toMatchObject({
      level: 'auto',
      change: null,
    });
  });
});

describe('effectiveLevel: where a type stands', () => {
  it('no row or a changed definition version → shadow; a pin holds whatever the version', () => {
    expect(effectiveLevel('onboarding_nudge', null)).toBe('shadow');
    const v = ACTION_DEFINITION_VERSIONS.onboarding_nudge;
    expect(effectiveLevel('onboarding_nudge', { level: 'auto', definitionVersion: v, pinned: false })).toBe('auto');
    expect(effectiveLevel('onboarding_nudge', { level: 'auto', definitionVersion: v + 1, pinned: false })).toBe(
      'shadow',
    );
    expect(effectiveLevel('onboarding_nudge', { level: 'auto', definitionVersion: v + 1, pinned: true })).toBe('auto');
  });
});

describe('the gates by level', () => {
  const base: GateInput = {
    plan: {
      type: 'onboarding_nudge',
      gateClass: 'optimization',
      executable: true,
      detectionConfidence: 1,
      targetId: '7',
    },
    posterior: { alpha: 60, beta: 1 },
    thresholds: { 'gate.optimization': 0.7 },
    policies: { ...DEFAULT_POLICIES, holdout: { default: 0 } },
    counters: {
      typeAdmittedInCycle: 0,
      recentContactsForUser: 0,
      recentFailuresForType: 0,
      now: new Date('2026-11-25T12:00:00Z'),
    },
  };
  const at = (level: 'shadow' | 'approval' | 'auto') => evaluateGates({ ...base, autonomy: { level, reason: 'test' } });

  it('auto: the gates alone decide (execute at high confidence)', () => {
    expect(at('auto').verdict).toBe('execute');
    expect(evaluateGates(base).verdict).toBe('execute');
  });

  it('approval: needs an operator whatever the confidence', () => {
    const e = at('approval');
    expect(e).toMatchObject({ verdict: 'needs_approval', mode: 'needs_approval' });
    expect(e.reason).toMatch(/autonomy level approval/);
  });

  it('shadow: recorded as would-have-done, never executed, no approval, not admitted', () => {
    const e = at('shadow');
    expect(e).toMatchObject({ verdict: 'shadow', mode: 'shadow', reason: 'would execute (all gates passed)' });
    for (const dryRun of [false, true]) {
      const v = actionVerdict({ plan: base.plan, evaluation: e, dryRun, policies: { holdout: { default: 0.5 } } });
      expect(v).toMatchObject({ status: 'shadowed', admitted: false, heldOut: false });
      expect(v.reason).toMatch(/^shadow \(autonomy ladder\): would execute/);
    }
  });

  it('shadow still reports a policy block as blocked', () => {
    const e = evaluateGates({
      ...base,
      autonomy: { level: 'shadow', reason: 'new' },
      policies: { ...base.policies, kill_switch: { enabled: true } },
    });
    expect(e.verdict).toBe('blocked');
  });
});
