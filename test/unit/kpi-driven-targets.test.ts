// Which KPI-driven target lists the planners will read: each one exactly when its planner has a driver, so
// skipping the others never changes a plan.
import { describe, expect, it } from 'vitest';
import { kpiDrivenTargets } from '../../engine/planning/kpi-driven-targets';
import { planOptimize } from '../../engine/planning/optimize';
import { activationKpi, billingFinding, kpiFinding, ltvCacKpi, retentionKpi } from './planning-fixtures';

describe('kpiDrivenTargets', () => {
  it('needs nothing without a KPI below target', () => {
    expect(kpiDrivenTargets([billingFinding()], [])).toEqual({
      atRiskUsers: false,
      recentSignups: false,
      upgradeCandidates: false,
    });
  });

  it('needs each list when its KPI is below target', () => {
    expect(kpiDrivenTargets([kpiFinding(retentionKpi)], [retentionKpi])).toEqual({
      atRiskUsers: true,
      recentSignups: false,
      upgradeCandidates: false,
    });
    expect(kpiDrivenTargets([kpiFinding(activationKpi)], [activationKpi]).recentSignups).toBe(true);
    expect(kpiDrivenTargets([kpiFinding(ltvCacKpi)], [ltvCacKpi]).upgradeCandidates).toBe(true);
  });

  it('skips only lists the optimize planner would not read', () => {
    const findings = [kpiFinding(activationKpi)];
    const kpis = [activationKpi];
    const targets = {
      recentSignups: [{ userId: 1, createdAt: '2026-11-15T00:00:00.000Z' }],
      atRiskUsers: [{ userId: 2, lastSeenAt: null, recentEvents: 0, previousEvents: 9, signal: 'lapsing' as const }],
      upgradeCandidates: [
        {
          userId: 3,
          events: 40,
          currentMrrCents: 0,
          offerPlanId: 2,
          offerPlanName: 'Pro',
          offerMrrCents: 2900,
        },
      ],
    };
    const needed = kpiDrivenTargets(findings, kpis);
    const all = planOptimize({ findings, kpis, targets });
    const trimmed = planOptimize({
      findings,
      kpis,
      targets: {
        recentSignups: needed.recentSignups ? targets.recentSignups : [],
        atRiskUsers: needed.atRiskUsers ? targets.atRiskUsers : [],
        upgradeCandidates: needed.upgradeCandidates ? targets.upgradeCandidates : [],
      },
    });
    expect(trimmed).toEqual(all);
    expect(all.map((p) => p.type)).toContain('onboarding_nudge');
  });
});
