// The safety gates (engine/safety/gates.ts): every gate, its boundary, the verdicts, quiet hours across
// midnight and time zones, and the action-confidence product.
import { describe, expect, it } from 'vitest';
import { appWritingPorts } from '../../engine/safety/app-read-only';
import { actionConfidence } from '../../engine/safety/confidence';
import { DEFAULT_POLICIES, type Policies } from '../../engine/safety/config-schema';
import {
  circuitBreakerGate,
  confidenceGate,
  contactCapGate,
  evaluateGates,
  executionGates,
  killSwitchGate,
  quietHoursGate,
  typeCapGate,
  type GateInput,
} from '../../engine/safety/gates';
import { isQuietTime } from '../../engine/safety/quiet-hours';
import type { ActionPlan } from '../../engine/types';

const THRESHOLDS = { 'gate.remediation': 0.8, 'gate.optimization': 0.7, 'gate.healing': 0.75 };
const NOON = new Date('2026-11-25T12:00:00Z');
// Beta(a, 1) has CDF x^a, so its 5% quantile (the 90% lower bound) is 0.05^(1/a): checkable by hand.
const STRONG = { alpha: 60, beta: 1 }; // lower bound 0.05^(1/60) = 0.951307...

function policies(patch: Partial<Policies> = {}): Policies {
  return { ...DEFAULT_POLICIES, ...patch };
}

function plan(p: Partial<ActionPlan> = {}): GateInput['plan'] {
  return {
    type: 'retry_payment',
    gateClass: 'healing',
    executable: true,
    detectionConfidence: 1,
    targetId: '42',
    ...p,
  };
}

function input(
  p: Partial<Omit<GateInput, 'counters'>> & {
    planPatch?: Partial<ActionPlan>;
    counters?: Partial<GateInput['counters']>;
  } = {},
): GateInput {
  return {
    plan: plan(p.planPatch),
    posterior: p.posterior === undefined ? STRONG : p.posterior,
    thresholds: p.thresholds ?? THRESHOLDS,
    policies: p.policies ?? policies(),
    counters: { typeAdmittedInCycle: 0, recentContactsForUser: 0, recentFailuresForType: 0, now: NOON, ...p.counters },
    ...(p.appWriteBlocked ? { appWriteBlocked: p.appWriteBlocked } : {}),
  };
}

describe('action confidence = detection confidence × lower bound of the success posterior', () => {
  it('multiplies the detection confidence by the 5% quantile of Beta(alpha, beta)', () => {
    expect(actionConfidence(1, { alpha: 60, beta: 1 })).toBeCloseTo(0.05 ** (1 / 60), 6);
    expect(actionConfidence(0.9, { alpha: 30, beta: 1 })).toBeCloseTo(0.9 * 0.05 ** (1 / 30), 6);
    // Beta(1, b): CDF 1 − (1 − x)^b, so the 5% quantile is 1 − 0.95^(1/b).
    expect(actionConfidence(0.5, { alpha: 1, beta: 4 })).toBeCloseTo(0.5 * (1 - 0.95 ** (1 / 4)), 6);
  });

  it('treats a missing or invalid posterior as Beta(1,1), whose lower bound is 0.05', () => {
    expect(actionConfidence(1, null)).toBe(0.05);
    expect(actionConfidence(0.8, { alpha: 0, beta: 1 })).toBe(0.04);
    expect(actionConfidence(0.8, { alpha: Number.NaN, beta: 1 })).toBe(0.04);
  });

  it('clamps the detection confidence to [0, 1] and rounds to 6 decimals', () => {
    expect(actionConfidence(1.7, { alpha: 1, beta: 1 })).toBe(0.05);
    expect(actionConfidence(-0.2, STRONG)).toBe(0);
    const c = actionConfidence(0.9, { alpha: 30, beta: 1 });
    expect(Math.round(c * 1e6) / 1e6).toBe(c);
  });

  it('is what evaluateGates stores and compares', () => {
    const e = evaluateGates(input({ planPatch: { detectionConfidence: 0.9 }, posterior: { alpha: 30, beta: 1 } }));
    expect(e.confidence).toBe(actionConfidence(0.9, { alpha: 30, beta: 1 }));
    const gate = e.outcomes.find((o) => o.gate === 'confidence')!;
    expect(gate.details).toMatchObject({
      confidence: e.confidence,
      detectionConfidence: 0.9,
      posterior: { alpha: 30, beta: 1 },
      threshold: 0.75,
      gateClass: 'healing',
    });
    expect(gate.details!.posteriorLowerBound).toBeCloseTo(0.05 ** (1 / 30), 6);
  });
});

describe('confidence gate, by gate class', () => {
  it.each([
    ['remediation', 0.8],
    ['optimization', 0.7],
    ['healing', 0.75],
  ] as const)('%s: exactly at the gate (%s) passes, just below fails', (gateClass, gate) => {
    expect(confidenceGate(gate, gateClass, THRESHOLDS).passed).toBe(true);
    expect(confidenceGate(gate - 1e-6, gateClass, THRESHOLDS).passed).toBe(false);
    expect(confidenceGate(gate + 1e-6, gateClass, THRESHOLDS).passed).toBe(true);
  });

  it('explains itself in one line', () => {
    expect(confidenceGate(0.72, 'remediation', THRESHOLDS).reason).toBe('confidence 0.72 < remediation gate 0.80');
    expect(confidenceGate(0.8, 'remediation', THRESHOLDS).reason).toBe('confidence 0.80 ≥ remediation gate 0.80');
    expect(confidenceGate(0.9513, 'healing', THRESHOLDS).reason).toBe('confidence 0.95 ≥ healing gate 0.75');
    // Shows as many digits as it takes for the comparison to read right.
    expect(confidenceGate(0.7999, 'remediation', THRESHOLDS).reason).toBe(
      'confidence 0.7999 < remediation gate 0.8000',
    );
  });

  it('reads the versioned threshold, falling back to the design defaults when a row is missing', () => {
    expect(confidenceGate(0.85, 'remediation', { 'gate.remediation': 0.9 }).passed).toBe(false);
    expect(confidenceGate(0.85, 'remediation', {}).passed).toBe(true);
    expect(confidenceGate(0.74, 'healing', {}).passed).toBe(false);
    expect(confidenceGate(0.7, 'optimization', {}).passed).toBe(true);
  });

  it('sends an executable action below its gate to approval, not to execution', () => {
    const e = evaluateGates(input({ posterior: { alpha: 1, beta: 1 } }));
    expect(e).toMatchObject({
      verdict: 'needs_approval',
      mode: 'needs_approval',
      confidence: 0.05,
      reason: 'confidence 0.05 < healing gate 0.75',
    });
    expect(e.outcomes.filter((o) => !o.passed).map((o) => o.gate)).toEqual(['confidence']);
  });
});

describe('policy gates', () => {
  it('kill switch: on blocks every executable action, whatever its confidence', () => {
    expect(killSwitchGate(policies()).passed).toBe(true);
    const on = policies({ kill_switch: { enabled: true } });
    const e = evaluateGates(input({ policies: on }));
    expect(e).toMatchObject({ verdict: 'blocked', mode: 'auto', reason: 'kill switch is on: every effect is blocked' });
    const low = evaluateGates(input({ policies: on, posterior: null }));
    expect(low.verdict).toBe('blocked');
    expect(low.mode).toBe('needs_approval');
    expect(low.reason).toBe('kill switch is on: every effect is blocked');
  });

  it('type cap: the N-th action of a type passes, the (N+1)-th is blocked', () => {
    const p = policies({ type_caps: { default: 500, retry_payment: 3 } });
    expect(typeCapGate('retry_payment', 2, p)).toMatchObject({
      passed: true,
      reason: 'retry_payment: number 3 of at most 3 this cycle',
    });
    expect(typeCapGate('retry_payment', 3, p)).toMatchObject({
      passed: false,
      reason: 'type cap reached: 3 retry_payment actions already admitted this cycle (cap 3)',
      details: { cap: 3, admittedInCycle: 3 },
    });
    // Types without their own entry use the default.
    expect(typeCapGate('normalize_email', 499, p).passed).toBe(true);
    expect(typeCapGate('normalize_email', 500, p).passed).toBe(false);
    expect(typeCapGate('upgrade_offer', 0, policies({ type_caps: { default: 10, upgrade_offer: 0 } }))).toMatchObject({
      passed: false,
      reason: 'type cap: upgrade_offer is capped at 0 per cycle',
    });
    const e = evaluateGates(input({ policies: p, counters: { typeAdmittedInCycle: 3 } }));
    expect(e.verdict).toBe('blocked');
  });

  it('contact cap: applies to message types only; the cap-th message passes, one more is blocked', () => {
    expect(contactCapGate('7', 0, policies()).passed).toBe(true);
    expect(contactCapGate('7', 1, policies())).toMatchObject({
      passed: false,
      reason: 'contact cap: user 7 already has 1 message(s) in the last 7 days (cap 1)',
    });
    expect(contactCapGate('7', 2, policies({ contact_cap: { maxMessages: 3, windowDays: 14 } })).passed).toBe(true);
    const msg = { type: 'onboarding_nudge', gateClass: 'optimization', targetId: '7' } as const;
    const blocked = evaluateGates(input({ planPatch: msg, counters: { recentContactsForUser: 1 } }));
    expect(blocked.verdict).toBe('blocked');
    expect(blocked.reason).toContain('contact cap: user 7');
    // A payment retry is not a message: no contact cap or quiet hours gate at all.
    const retry = evaluateGates(input({ counters: { recentContactsForUser: 5 } }));
    expect(retry.verdict).toBe('execute');
    expect(retry.outcomes.map((o) => o.gate)).toEqual(['kill_switch', 'confidence', 'type_cap', 'circuit_breaker']);
    expect(evaluateGates(input({ planPatch: msg })).outcomes.map((o) => o.gate)).toEqual([
      'kill_switch',
      'confidence',
      'type_cap',
      'contact_cap',
      'quiet_hours',
      'circuit_breaker',
    ]);
  });

  it('circuit breaker: opens at exactly `failures` failed effects in the window', () => {
    const p = policies({ circuit_breaker: { failures: 5, windowMinutes: 60 } });
    expect(circuitBreakerGate('retry_payment', 4, p).passed).toBe(true);
    expect(circuitBreakerGate('retry_payment', 5, p)).toMatchObject({
      passed: false,
      reason: 'circuit breaker open: 5 retry_payment effects failed in the last 60 min (limit 5)',
    });
    expect(evaluateGates(input({ policies: p, counters: { recentFailuresForType: 5 } })).verdict).toBe('blocked');
  });

  it('joins the reasons of every failed policy gate, and a policy block wins over approval', () => {
    const e = evaluateGates(
      input({
        posterior: null,
        policies: policies({ kill_switch: { enabled: true }, circuit_breaker: { failures: 1, windowMinutes: 10 } }),
        counters: { recentFailuresForType: 1 },
      }),
    );
    expect(e.verdict).toBe('blocked');
    expect(e.reason).toBe(
      'kill switch is on: every effect is blocked; circuit breaker open: 1 retry_payment effects failed in the last 10 min (limit 1)',
    );
  });
});

describe('quiet hours', () => {
  const overnight = { enabled: true, startHour: 22, endHour: 7, timezone: 'UTC' };

  it.each([
    ['2026-11-25T21:59:00Z', false],
    ['2026-11-25T22:00:00Z', true],
    ['2026-11-25T23:30:00Z', true],
    ['2026-11-26T00:00:00Z', true],
    ['2026-11-26T06:59:00Z', true],
    ['2026-11-26T07:00:00Z', false],
    ['2026-11-26T12:00:00Z', false],
  ])('a window crossing midnight (22→7 UTC): %s quiet = %s', (at, quiet) => {
    expect(isQuietTime(new Date(at), overnight)).toBe(quiet);
  });

  it('a window within one day (9→17) is [start, end)', () => {
    const day = { enabled: true, startHour: 9, endHour: 17, timezone: 'UTC' };
    expect(isQuietTime(new Date('2026-11-25T08:59:00Z'), day)).toBe(false);
    expect(isQuietTime(new Date('2026-11-25T09:00:00Z'), day)).toBe(true);
    expect(isQuietTime(new Date('2026-11-25T16:59:00Z'), day)).toBe(true);
    expect(isQuietTime(new Date('2026-11-25T17:00:00Z'), day)).toBe(false);
  });

  it('uses the local time of the policy time zone (with daylight saving)', () => {
    const ny = { enabled: true, startHour: 22, endHour: 7, timezone: 'America/New_York' };
    // 03:30Z in January is 22:30 in New York (UTC−5): quiet; 12:00Z is 07:00: not quiet.
    expect(isQuietTime(new Date('2026-01-15T03:30:00Z'), ny)).toBe(true);
    expect(isQuietTime(new Date('2026-01-15T12:00:00Z'), ny)).toBe(false);
    // 02:30Z in July is 22:30 EDT (UTC−4): quiet; 11:00Z is 07:00 EDT: not quiet.
    expect(isQuietTime(new Date('2026-07-15T02:30:00Z'), ny)).toBe(true);
    expect(isQuietTime(new Date('2026-07-15T11:00:00Z'), ny)).toBe(false);
  });

  it('disabled means never quiet', () => {
    expect(isQuietTime(new Date('2026-11-25T23:00:00Z'), { ...overnight, enabled: false })).toBe(false);
    expect(quietHoursGate(new Date('2026-11-25T23:00:00Z'), policies())).toMatchObject({
      passed: true,
      reason: 'quiet hours are off',
    });
  });

  it('blocks messages, with the local time in the reason, and leaves other types alone', () => {
    const p = policies({ quiet_hours: overnight });
    expect(quietHoursGate(new Date('2026-11-25T23:15:00Z'), p)).toMatchObject({
      passed: false,
      reason: 'quiet hours 22:00–07:00 UTC: local time 23:15',
    });
    expect(quietHoursGate(new Date('2026-11-25T14:05:00Z'), p)).toMatchObject({
      passed: true,
      reason: 'local time 14:05 UTC is outside quiet hours 22:00–07:00 UTC',
    });
    const late = { now: new Date('2026-11-25T23:15:00Z') };
    expect(
      evaluateGates(
        input({ policies: p, planPatch: { type: 'retention_campaign', gateClass: 'optimization' }, counters: late }),
      ).verdict,
    ).toBe('blocked');
    expect(evaluateGates(input({ policies: p, counters: late })).verdict).toBe('execute');
  });
});

describe('verdicts', () => {
  it('executable and every gate passed → execute, mode auto', () => {
    const e = evaluateGates(input());
    expect(e).toMatchObject({ verdict: 'execute', mode: 'auto', reason: 'all gates passed' });
    expect(e.outcomes.every((o) => o.passed)).toBe(true);
  });

  it('not executable → recommendation, never blocked or executed, even with the kill switch on', () => {
    const e = evaluateGates(
      input({
        planPatch: { type: 'funnel_recommendation', gateClass: 'optimization', executable: false },
        policies: policies({ kill_switch: { enabled: true } }),
      }),
    );
    expect(e).toMatchObject({
      verdict: 'recommendation',
      mode: 'recommendation',
      reason: 'recommendation for humans: the engine never executes funnel_recommendation',
    });
    expect(e.outcomes.map((o) => o.gate)).toEqual(['confidence', 'executable']);
  });

  it('execution-time gates leave out the confidence gate and the type cap', () => {
    expect(
      executionGates('retry_payment', '1', policies(), {
        recentContactsForUser: 0,
        recentFailuresForType: 0,
        now: NOON,
      }).map((g) => g.gate),
    ).toEqual(['kill_switch', 'circuit_breaker']);
    expect(
      executionGates('upgrade_offer', '1', policies(), {
        recentContactsForUser: 0,
        recentFailuresForType: 0,
        now: NOON,
      }).map((g) => g.gate),
    ).toEqual(['kill_switch', 'contact_cap', 'quiet_hours', 'circuit_breaker']);
  });
});

describe('read-only mode (app_read_only)', () => {
  it('blocks only the ports whose adapter writes schema app', () => {
    expect(appWritingPorts({ readOnly: false, paymentGateway: 'sandbox' })).toEqual([]);
    expect(appWritingPorts({ readOnly: true, paymentGateway: 'sandbox' })).toEqual(['payments', 'data']);
    expect(appWritingPorts({ readOnly: true, paymentGateway: 'stripe' })).toEqual(['data']);
  });

  it('a sandbox payment retry and a data fix are blocked with the reason; Stripe retries and messages pass', () => {
    const sandbox = appWritingPorts({ readOnly: true, paymentGateway: 'sandbox' });
    const retry = evaluateGates(input({ appWriteBlocked: sandbox }));
    expect(retry.verdict).toBe('blocked');
    expect(retry.reason).toBe(
      'schema app is read-only (APP_SCHEMA_READ_ONLY): the sandbox payment gateway writes app.payments, so retry_payment is left to the platform',
    );
    const fix = evaluateGates(
      input({ appWriteBlocked: sandbox, planPatch: { type: 'normalize_email', gateClass: 'remediation' } }),
    );
    expect(fix.verdict).toBe('blocked');
    expect(fix.reason).toMatch(/the SQL data fixer writes app.subscriptions and app.users/);
    // A policy gate: an operator cannot approve past it even when the confidence gate fails too.
    expect(evaluateGates(input({ appWriteBlocked: sandbox, posterior: null })).verdict).toBe('blocked');
    const stripe = appWritingPorts({ readOnly: true, paymentGateway: 'stripe' });
    expect(evaluateGates(input({ appWriteBlocked: stripe })).verdict).toBe('execute');
    const nudge = { type: 'onboarding_nudge', gateClass: 'optimization' } as const;
    const gates = executionGates(
      'onboarding_nudge',
      '7',
      policies(),
      { recentContactsForUser: 0, recentFailuresForType: 0, now: NOON },
      sandbox,
    );
    expect(gates.map((g) => g.gate)).not.toContain('app_read_only');
    expect(
      evaluateGates(input({ appWriteBlocked: sandbox, planPatch: nudge })).outcomes.map((o) => o.gate),
    ).not.toContain('app_read_only');
  });
});
