// Optimize planner: KPI-driven onboarding nudges, retention campaigns, upgrade offers and funnel / LTV:CAC
// recommendations; one message per user by priority; users messaged earlier in the cycle left out.
import { describe, expect, it } from 'vitest';
import { buildRateKpi } from '../../engine/kpi/definitions';
import {
  planFunnelRecommendation,
  planLtvCacRecommendation,
  planOnboardingNudges,
  planOptimize,
  planUpgradeOffers,
  weakestFunnelStep,
  type OptimizeInput,
} from '../../engine/planning/optimize';
import type { AtRiskUserTarget, RecentSignupTarget, UpgradeCandidateTarget } from '../../engine/planning/targets';
import {
  activationKpi,
  funnelKpi,
  hoursFromNow,
  kpiFinding,
  ltvCacKpi,
  retentionKpi,
  shuffled,
} from './planning-fixtures';

const signup = (userId: number, hoursAgo: number): RecentSignupTarget => ({
  userId,
  createdAt: hoursFromNow(-hoursAgo),
});
const atRisk = (userId: number): AtRiskUserTarget => ({
  userId,
  recentEvents: 0,
  previousEvents: 5,
  lastSeenAt: null,
  signal: 'declining_activity',
});
const upgrade = (
  userId: number,
  events: number,
  over: Partial<UpgradeCandidateTarget> = {},
): UpgradeCandidateTarget => ({
  userId,
  events,
  currentMrrCents: 0,
  offerPlanId: 2,
  offerPlanName: 'starter',
  offerMrrCents: 1900,
  ...over,
});

const allKpis = [activationKpi, retentionKpi, funnelKpi, ltvCacKpi];
const allFindings = allKpis.map(kpiFinding);
const targets = {
  recentSignups: [signup(10, 30), signup(11, 200), signup(12, 50)],
  atRiskUsers: [atRisk(20), atRisk(21)],
  upgradeCandidates: [upgrade(30, 25), upgrade(31, 60), upgrade(21, 40), upgrade(12, 22)],
};
const input = (over: Partial<OptimizeInput> = {}): OptimizeInput => ({
  findings: allFindings,
  kpis: allKpis,
  targets,
  ...over,
});

describe('KPI gating', () => {
  it('plans nothing while every KPI is at target (no standing opportunities)', () => {
    expect(planOptimize(input({ findings: [] }))).toEqual([]);
  });

  it('the same cycle with every KPI below target plans each kind of action', () => {
    const plans = planOptimize(input());
    expect(plans.map((p) => `${p.type}:${p.targetId}`)).toEqual([
      'onboarding_nudge:10',
      'onboarding_nudge:12',
      'onboarding_nudge:11',
      'retention_campaign:20',
      'retention_campaign:21',
      'upgrade_offer:31',
      'upgrade_offer:30',
      'funnel_recommendation:activated',
      'funnel_recommendation:ltv_cac',
    ]);
    expect(new Set(plans.map((p) => p.gateClass))).toEqual(new Set(['optimization']));
    expect(plans.every((p) => p.phase === 'optimize')).toBe(true);
  });

  it('is deterministic whatever the order of findings and rows', () => {
    const a = planOptimize(input());
    const b = planOptimize(
      input({
        findings: shuffled(allFindings, 11),
        targets: {
          recentSignups: shuffled(targets.recentSignups, 2),
          atRiskUsers: shuffled(targets.atRiskUsers, 3),
          upgradeCandidates: shuffled(targets.upgradeCandidates, 4),
        },
      }),
    );
    expect(b).toEqual(a);
  });
});

describe('onboarding_nudge', () => {
  it('newest signup first; confidence = P(activation < target); impact on the activation rate', () => {
    const finding = kpiFinding(activationKpi);
    const plans = planOnboardingNudges(
      input({ findings: [finding], successPosteriors: { onboarding_nudge: { alpha: 2, beta: 8 } } }),
    );
    expect(plans.map((p) => p.targetId)).toEqual(['10', '12', '11']);
    expect(plans[0]).toEqual({
      phase: 'optimize',
      type: 'onboarding_nudge',
      gateClass: 'optimization',
      targetType: 'user',
      targetId: '10',
      params: { userId: 10, template: 'onboarding_nudge_v1', signedUpAt: hoursFromNow(-30), kpi: 'activation_rate' },
      findingFingerprint: 'kpi_below_target:activation_rate',
      detectionConfidence: Math.round(finding.confidence * 1e6) / 1e6,
      expectedImpact: { kpi: 'activation_rate', deltaUsers: 0.2, delta: 0.002, successProbability: 0.2 },
      executable: true,
    });
  });

  it('falls back to the signup→activation KPI when activation itself is at target', () => {
    const okActivation = buildRateKpi('activation_rate', 60, 100, 30);
    const plans = planOnboardingNudges(input({ findings: [kpiFinding(funnelKpi)], kpis: [okActivation, funnelKpi] }));
    expect(plans).toHaveLength(3);
    expect(plans[0]).toMatchObject({
      findingFingerprint: 'kpi_below_target:signup_to_activation',
      params: { kpi: 'signup_to_activation' },
      expectedImpact: { kpi: 'signup_to_activation', deltaUsers: 0.5, delta: 0.0025 },
    });
  });
});

describe('upgrade_offer', () => {
  it('only while LTV:CAC is below target; most active first; revenue = P(success) × MRR gain', () => {
    expect(planUpgradeOffers(input({ findings: [kpiFinding(activationKpi)] }))).toEqual([]);
    const plans = planUpgradeOffers(
      input({
        targets: {
          upgradeCandidates: [
            upgrade(30, 25),
            upgrade(31, 60, { currentMrrCents: 1900, offerPlanId: 4, offerPlanName: 'pro', offerMrrCents: 4900 }),
            upgrade(32, 90, { offerMrrCents: 0 }),
          ],
        },
      }),
    );
    expect(plans.map((p) => p.targetId)).toEqual(['31', '30']); // 32: nothing to upgrade to
    expect(plans[0]).toMatchObject({
      type: 'upgrade_offer',
      params: {
        userId: 31,
        template: 'upgrade_offer_v1',
        offerPlanId: 4,
        offerPlanName: 'pro',
        offerMrrCents: 4900,
        currentMrrCents: 1900,
        recentEvents: 60,
      },
      findingFingerprint: 'kpi_below_target:ltv_cac',
      expectedImpact: {
        kpi: 'ltv_cac',
        revenueCents: 1500,
        revenuePeriod: 'month',
        deltaUsers: 0.5,
        successProbability: 0.5,
      },
    });
  });
});

describe('recommendations (never executed)', () => {
  it('names the weakest funnel step with the users lost there', () => {
    expect(weakestFunnelStep(funnelKpi.details)).toMatchObject({
      step: { step: 'activated', count: 50 },
      previous: { step: 'onboarding_completed', count: 120 },
    });
    const [p] = planFunnelRecommendation(input());
    expect(p).toEqual({
      phase: 'optimize',
      type: 'funnel_recommendation',
      gateClass: 'optimization',
      targetType: 'funnel',
      targetId: 'activated',
      params: {
        kpi: 'signup_to_activation',
        step: 'activated',
        previousStep: 'onboarding_completed',
        conversion: 50 / 120,
        usersEntering: 120,
        usersLost: 70,
        recommendation: expect.stringContaining('activation'),
      },
      findingFingerprint: 'kpi_below_target:signup_to_activation',
      detectionConfidence: expect.any(Number),
      expectedImpact: { kpi: 'signup_to_activation', step: 'activated', usersLost: 70 },
      executable: false,
    });
  });

  it('reads the funnel from the finding evidence when the KPI results are not passed', () => {
    expect(planFunnelRecommendation(input({ kpis: [] })).map((p) => p.targetId)).toEqual(['activated']);
  });

  it('LTV:CAC 3.2 < 4: churn 10% → 8%, ARPA $50 → $62.50, or CAC $125 → $100 each reach the target', () => {
    const [p] = planLtvCacRecommendation(input());
    expect(p).toMatchObject({
      type: 'funnel_recommendation',
      targetType: 'funnel',
      targetId: 'ltv_cac',
      executable: false,
      params: {
        kpi: 'ltv_cac',
        value: 3.2,
        target: 4,
        levers: { churnTo: 0.08, arpaCentsTo: 6250, cacCentsTo: 10000 },
      },
      expectedImpact: { kpi: 'ltv_cac', gap: 0.8 },
    });
    expect(p!.params.recommendation).toBe(
      'LTV:CAC is 3.20 against a target of 4.00. Each of these alone reaches it: monthly churn 10.0% → 8.0%; ARPA $50.00 → $62.50; CAC $125.00 → $100.00.',
    );
  });
});

describe('one message per user', () => {
  it('retention beats upgrade, onboarding beats upgrade (user 21 and 12 get one message each)', () => {
    const plans = planOptimize(input());
    const byUser = (id: string) => plans.filter((p) => p.targetType === 'user' && p.targetId === id).map((p) => p.type);
    expect(byUser('21')).toEqual(['retention_campaign']);
    expect(byUser('12')).toEqual(['onboarding_nudge']);
    const userIds = plans.filter((p) => p.targetType === 'user').map((p) => p.targetId);
    expect(new Set(userIds).size).toBe(userIds.length);
  });

  it('leaves out users an earlier phase of the cycle already messages', () => {
    const plans = planOptimize(input({ excludeUserIds: [20, '10', 31] }));
    expect(plans.filter((p) => p.targetType === 'user').map((p) => p.targetId)).toEqual(['12', '11', '21', '30']);
    expect(plans.filter((p) => p.targetType === 'funnel')).toHaveLength(2);
  });
});
