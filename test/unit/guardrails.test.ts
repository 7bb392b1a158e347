// Guardrail verdicts: credible harm on a severe metric is major, on a mild one minor unless beyond its margin;
// a null difference is ok or inconclusive, never a breach; the type's action follows its worst verdict and
// only breaches become findings. The policy's default parses and every message type declares its metrics.
import { describe, expect, it } from 'vitest';
import { GUARDRAILS_BY_TYPE, GUARDRAIL_TYPES } from '../../engine/guardrails/metrics';
import { DEFAULT_GUARDRAIL_POLICY as POLICY, guardrailPolicySchema } from '../../engine/guardrails/policy';
import {
  guardrailActionOf,
  guardrailFindings,
  guardrailStream,
  guardrailVerdict,
  ladderBreachOf,
  type GuardrailArm,
} from '../../engine/guardrails/verdict';
import { MESSAGE_TEMPLATES } from '../../engine/planning/messages';

const arm = (actions: number, affected: number): GuardrailArm => ({
  actions,
  users: actions,
  affected,
  events: affected,
});

describe('guardrail verdicts', () => {
  it('many more complaints among the treated is a major breach (a severe metric)', () => {
    const r = guardrailVerdict('retention_campaign', 'complaint', arm(2000, 80), arm(500, 2), POLICY);
    expect(r.verdict).toBe('breach_major');
    expect(r.pValue).toBeLessThan(POLICY.alpha);
    expect(r.reason).toMatch(
      /^complaint: credible harm on a severe metric \(treated 4\.00% of 2000 vs holdout 0\.40% of 500/,
    );
  });

  it('more unsubscribes within the margin is minor; beyond the margin it is major', () => {
    const minor = guardrailVerdict('upgrade_offer', 'unsubscribe', arm(20000, 700), arm(5000, 100), POLICY);
    expect(minor.verdict).toBe('breach_minor');
    expect(minor.interval![0]).toBeGreaterThan(0);
    expect(minor.interval![0]).toBeLessThan(POLICY.metrics.unsubscribe.margin);
    const major = guardrailVerdict('upgrade_offer', 'unsubscribe', arm(2000, 400), arm(500, 5), POLICY);
    expect(major.verdict).toBe('breach_major');
    expect(major.interval![0]).toBeGreaterThan(POLICY.metrics.unsubscribe.margin);
  });

  it('a null difference is never a breach: inconclusive at moderate samples, ok once harm above the margin is ruled out', () => {
    const mid = guardrailVerdict('upgrade_offer', 'churn', arm(900, 45), arm(100, 5), POLICY);
    expect(mid.verdict).toBe('inconclusive');
    expect(mid.reason).toMatch(/not ruled out/);
    const big = guardrailVerdict('upgrade_offer', 'churn', arm(50000, 2500), arm(50000, 2500), POLICY);
    expect(big.verdict).toBe('ok');
  });

  it('treated credibly better is ok, not a breach', () => {
    expect(guardrailVerdict('upgrade_offer', 'churn', arm(2000, 10), arm(2000, 200), POLICY).verdict).toBe('ok');
  });

  it('too few actions or no events at all are inconclusive', () => {
    expect(guardrailVerdict('onboarding_nudge', 'complaint', arm(50, 40), arm(10, 0), POLICY)).toMatchObject({
      verdict: 'inconclusive',
      pValue: 1,
      interval: null,
    });
    const none = guardrailVerdict('onboarding_nudge', 'complaint', arm(5000, 0), arm(500, 0), POLICY);
    expect(none.verdict).toBe('inconclusive');
    expect(none.reason).toMatch(/no events to compare yet/);
  });

  it('the type acts on its worst verdict; only breaches become findings and only major ones reach the ladder', () => {
    const ok = guardrailVerdict('upgrade_offer', 'churn', arm(2000, 10), arm(2000, 200), POLICY);
    const minor = guardrailVerdict('upgrade_offer', 'unsubscribe', arm(20000, 700), arm(5000, 100), POLICY);
    const major = guardrailVerdict('upgrade_offer', 'complaint', arm(2000, 80), arm(500, 2), POLICY);
    expect(guardrailActionOf([ok])).toBeNull();
    expect(guardrailActionOf([ok, minor])).toMatchObject({ action: 'pause' });
    expect(guardrailActionOf([ok, minor, major])).toMatchObject({ action: 'cancel_and_demote' });
    expect(ladderBreachOf([ok, minor])).toBeNull();
    expect(ladderBreachOf([major])).toMatch(/^guardrail breached: complaint: /);
    const f = guardrailFindings([ok, minor, major]);
    expect(f.map((x) => [x.fingerprint, x.severity])).toEqual([
      ['guardrail:upgrade_offer:unsubscribe', 'medium'],
      ['guardrail:upgrade_offer:complaint', 'high'],
    ]);
    expect(f[1]!.detector).toBe('guardrail');
  });
});

describe('guardrail declarations and policy', () => {
  it('every message type declares metrics; the default policy parses', () => {
    expect(new Set(GUARDRAIL_TYPES)).toEqual(new Set(Object.keys(MESSAGE_TEMPLATES)));
    for (const t of GUARDRAIL_TYPES) expect(GUARDRAILS_BY_TYPE[t].length).toBeGreaterThan(0);
    expect(guardrailPolicySchema.parse(POLICY)).toEqual(POLICY);
    expect(guardrailPolicySchema.safeParse({ ...POLICY, alpha: 0.5 }).success).toBe(false);
  });
});

describe('guardrail streams', () => {
  const now = new Date('2026-12-03T12:00:00.000Z');
  it('continues the stored stream at the current definition, starts fresh from now after a change, whole history at first', () => {
    const stored = [
      { metric: 'churn', pValue: 0.2, definitionVersion: 1, since: null },
      { metric: 'complaint', pValue: 0.03, definitionVersion: 1, since: null },
    ];
    const same = guardrailStream(stored, 1, now);
    expect(same.since).toBeNull();
    expect(Object.fromEntries(same.previous)).toEqual({ churn: 0.2, complaint: 0.03 });
    expect(guardrailStream(stored, 2, now)).toEqual({ since: now.toISOString(), previous: new Map() });
    expect(guardrailStream([], 1, now)).toEqual({ since: null, previous: new Map() });
  });
});
