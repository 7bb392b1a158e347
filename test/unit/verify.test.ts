// Alignment: policy violations (failed gate, no gates, execution in a dry-run cycle, approval excusing
// the confidence gate), KPI attainment, expected vs observed effects, and the weighted score by hand.
import { describe, expect, it } from 'vitest';
import {
  compareEffects,
  effectsFromOutcomes,
  summarizeKpis,
  verifyAlignment,
  type ExecutedActionCheck,
} from '../../engine/verify/alignment';
import { wilsonInterval } from '../../engine/kpi/wilson';
import type { KpiResult } from '../../engine/types';

const pass = (gate: string) => ({ gate, passed: true, reason: 'ok' });
const fail = (gate: string, reason = 'no') => ({ gate, passed: false, reason });
const action = (over: Partial<ExecutedActionCheck> & { id: string }): ExecutedActionCheck => ({
  type: 'retry_payment',
  status: 'executed',
  dryRun: false,
  cycleDryRun: false,
  gates: [pass('kill_switch'), pass('confidence'), pass('type_cap')],
  approval: null,
  ...over,
});
const kpi = (name: KpiResult['name'], value: number | null, target: number): KpiResult => ({
  name,
  value,
  target,
  sampleSize: 100,
  interval: null,
  status: value == null ? 'insufficient_data' : value >= target ? 'ok' : 'below_target',
  details: {},
});

describe('verifyAlignment', () => {
  const kpis = [kpi('activation_rate', 0.3, 0.4), kpi('d7_retention', 0.25, 0.25), kpi('ltv_cac', null, 4)];
  const effects = [
    { actionType: 'retry_payment', expectedSuccessRate: 0.7, successes: 3, failures: 7 },
    { actionType: 'onboarding_nudge', expectedSuccessRate: 0.2, successes: 5, failures: 5 },
  ];
  const actions = [
    action({ id: 'a1' }),
    // Below the confidence gate, approved by an operator: allowed (docs/safety.md).
    action({
      id: 'a2',
      gates: [pass('kill_switch'), fail('confidence', '0.61 < 0.80'), pass('type_cap')],
      approval: { status: 'executed', decidedBy: 'alice' },
    }),
    // A blast-radius gate failed: never excusable.
    action({
      id: 'a3',
      type: 'onboarding_nudge',
      gates: [pass('kill_switch'), pass('confidence'), fail('type_cap', 'cap 500 reached')],
    }),
    // Recorded as dry-run, not executed: not checked.
    action({ id: 'a4', status: 'dry_run', dryRun: true, gates: [] }),
  ];

  it('scores 0.5 · 2/3 + 0.3 · 0.875 + 0.2 · (10 · 0.3/0.7 + 10 · 1)/20 = 0.7387', () => {
    const r = verifyAlignment({ actions, kpis, effects });
    expect(r.executed).toBe(3);
    expect(r.compliant).toBe(2);
    expect(r.components.policy.score).toBeCloseTo(2 / 3, 12);
    expect(r.components.kpis!.score).toBeCloseTo(0.875, 12);
    expect(r.components.effects!.score).toBeCloseTo((10 * (0.3 / 0.7) + 10) / 20, 12);
    expect(r.alignmentScore).toBe(0.7387);
    expect(r.violations.map((v) => [v.kind, v.actionId ?? v.actionType, v.severity])).toEqual([
      ['gate_failed', 'a3', 'high'],
      ['effect_below_expectation', 'retry_payment', 'medium'],
    ]);
    expect(r.violations[0]!.gate).toBe('type_cap');
    expect(r.kpiSummary).toMatchObject({ measured: 2, ok: 1, belowTarget: 1, insufficientData: 1, attainment: 0.875 });
    expect(r.summary).toBe(
      'Alignment 0.74: 3 executed actions, 2 within policy; 1 of 2 measured KPIs at target (attainment 88%), 1 with insufficient data; ' +
        'outcomes of 2 action types: 1 in line with expectations. 2 violations.',
    );
  });

  it('a failed confidence gate without an operator approval is a violation', () => {
    const r = verifyAlignment({ actions: [action({ id: 'b1', gates: [fail('confidence')] })], kpis: [], effects: [] });
    expect(r.violations.map((v) => v.kind)).toEqual(['gate_failed']);
    expect(r.alignmentScore).toBe(0);
  });

  it('an execution in a dry-run cycle is critical and zeroes the policy component', () => {
    const r = verifyAlignment({
      actions: [action({ id: 'c1', cycleDryRun: true }), action({ id: 'c2' })],
      kpis: [kpi('d7_retention', 0.3, 0.25)],
      effects: [],
    });
    expect(r.violations).toEqual([
      expect.objectContaining({ kind: 'executed_in_dry_run', severity: 'critical', actionId: 'c1' }),
    ]);
    expect(r.components.policy.score).toBe(0);
    // Policy 0 at weight 0.5, KPIs 1 at weight 0.3, no effects: 0.3 / 0.8.
    expect(r.alignmentScore).toBe(0.375);
    expect(r.summary).toContain('(1 critical)');
  });

  it('ungated executions and missing required gates are violations', () => {
    const r = verifyAlignment({
      actions: [action({ id: 'd1', status: 'failed', gates: [] }), action({ id: 'd2', gates: [pass('confidence')] })],
      kpis: [],
      effects: [],
      requiredGates: ['kill_switch'],
    });
    expect(r.violations.map((v) => `${v.kind}:${v.actionId}`)).toEqual([
      'ungated_execution:d1',
      'missing_gate:d1',
      'missing_gate:d2',
    ]);
    expect(r.alignmentScore).toBe(0);
  });

  it('nothing executed, no KPI measured, no outcome: fully aligned on policy alone', () => {
    const r = verifyAlignment({ actions: [], kpis: [kpi('ltv_cac', null, 4)], effects: [] });
    expect(r.alignmentScore).toBe(1);
    expect(r.components.kpis).toBeNull();
    expect(r.components.effects).toBeNull();
    expect(r.summary).toBe('Alignment 1.00: no action executed; no KPI measured; no outcomes measured. 0 violations.');
  });
});

describe('effects and KPIs', () => {
  it('in line when expected ≤ the Wilson upper bound of the observed rate', () => {
    const hi = wilsonInterval(3, 10)![1]; // ≈ 0.5338
    const { summaries, violations } = compareEffects([
      { actionType: 'a', expectedSuccessRate: hi - 1e-9, successes: 3, failures: 7 },
      { actionType: 'b', expectedSuccessRate: hi + 1e-9, successes: 3, failures: 7 },
      { actionType: 'c', expectedSuccessRate: 0.5, successes: 0, failures: 0 },
    ]);
    expect(summaries.map((s) => [s.actionType, s.inLine])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(summaries[1]!.score).toBeCloseTo(0.3 / (hi + 1e-9), 9);
    expect(violations.map((v) => v.actionType)).toEqual(['b']);
  });

  it('KPI attainment is capped at 1 and skips insufficient data', () => {
    const s = summarizeKpis([kpi('ltv_cac', 8, 4), kpi('activation_rate', 0.1, 0.4), kpi('d7_retention', null, 0.25)]);
    expect(s.items.map((i) => i.attainment)).toEqual([1, 0.25, null]);
    expect(s.attainment).toBeCloseTo(0.625, 12);
  });
});

describe('effectsFromOutcomes', () => {
  it('expects the prior posterior mean of each type', () => {
    expect(
      effectsFromOutcomes({
        upgrade_offer: { success: 2, failure: 2, prior: { alpha: 1, beta: 1 } },
        retry_payment: { success: 1, failure: 3, prior: { alpha: 5, beta: 3 } },
      }),
    ).toEqual([
      { actionType: 'retry_payment', expectedSuccessRate: 5 / 8, successes: 1, failures: 3 },
      { actionType: 'upgrade_offer', expectedSuccessRate: 0.5, successes: 2, failures: 2 },
    ]);
  });
});
