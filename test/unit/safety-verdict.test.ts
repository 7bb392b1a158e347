// The plan → status/holdout verdict (engine/safety/verdict.ts) and the counting gates' windows
// (engine/safety/windows.ts), without servers.
import { describe, expect, it } from 'vitest';
import { holdoutDraw } from '../../engine/learning/holdout';
import { DEFAULT_POLICIES, type Policies } from '../../engine/safety/config-schema';
import { actionVerdict, holdoutShareOf } from '../../engine/safety/verdict';
import { breakerWindowStart, contactWindowStart } from '../../engine/safety/windows';

const NO_HOLDOUT: Pick<Policies, 'holdout'> = { holdout: { default: 0 } };
const execute = { verdict: 'execute' as const, reason: 'all gates passed' };
const approval = { verdict: 'needs_approval' as const, reason: 'confidence 0.6 below 0.8' };

/** The first target id of `type` whose holdout draw is below `share` (held out) or not (treated). */
function targetWhere(type: string, share: number, held: boolean): string {
  for (let i = 1; ; i++) if (holdoutDraw(type, String(i)) < share === held) return String(i);
}

describe('actionVerdict', () => {
  const plan = { type: 'onboarding_nudge', targetId: '7', executable: true };

  it('maps each gate verdict to its status and reason, live and dry', () => {
    const v = (evaluation: Parameters<typeof actionVerdict>[0]['evaluation'], dryRun: boolean) =>
      actionVerdict({ plan, evaluation, dryRun, policies: NO_HOLDOUT });
    expect(v(execute, false)).toEqual({
      status: 'planned',
      reason: 'all gates passed',
      heldOut: false,
      admitted: true,
    });
    expect(v(approval, false)).toEqual({
      status: 'pending_approval',
      reason: 'needs approval: confidence 0.6 below 0.8',
      heldOut: false,
      admitted: true,
    });
    expect(v(execute, true)).toMatchObject({ status: 'dry_run', reason: 'dry run: would execute (all gates passed)' });
    expect(v(approval, true)).toMatchObject({
      status: 'dry_run',
      reason: 'dry run: would need approval (confidence 0.6 below 0.8)',
      admitted: true,
    });
    for (const dryRun of [false, true]) {
      expect(v({ verdict: 'blocked', reason: 'kill switch on' }, dryRun)).toEqual({
        status: 'blocked',
        reason: 'kill switch on',
        heldOut: false,
        admitted: false,
      });
      expect(v({ verdict: 'recommendation', reason: 'for humans' }, dryRun)).toMatchObject({
        status: 'recommended',
        admitted: false,
      });
    }
  });

  it('holds out an admitted target drawn into the control group, dry or live, and it does not count', () => {
    const policies: Pick<Policies, 'holdout'> = { holdout: { default: 0.5 } };
    const held = { ...plan, targetId: targetWhere(plan.type, 0.5, true) };
    const treated = { ...plan, targetId: targetWhere(plan.type, 0.5, false) };
    for (const dryRun of [false, true]) {
      for (const evaluation of [execute, approval]) {
        const v = actionVerdict({ plan: held, evaluation, dryRun, policies });
        expect(v).toMatchObject({ status: 'holdout', heldOut: true, admitted: false });
        expect(v.reason).toBe(
          'holdout: in the control group of onboarding_nudge (50% of eligible targets); no effect, outcome measured for uplift',
        );
      }
      expect(actionVerdict({ plan: treated, evaluation: execute, dryRun, policies }).heldOut).toBe(false);
    }
  });

  it('never holds out a blocked plan, a recommendation, a plan that cannot execute or an unmeasured type', () => {
    const all: Pick<Policies, 'holdout'> = { holdout: { default: 1 } };
    expect(
      actionVerdict({ plan, evaluation: { verdict: 'blocked', reason: 'x' }, dryRun: false, policies: all }).status,
    ).toBe('blocked');
    expect(
      actionVerdict({ plan: { ...plan, executable: false }, evaluation: execute, dryRun: false, policies: all }).status,
    ).toBe('planned');
    expect(
      actionVerdict({
        plan: { type: 'normalize_email', targetId: '7', executable: true },
        evaluation: execute,
        dryRun: false,
        policies: all,
      }).status,
    ).toBe('planned');
  });
});

describe('holdoutShareOf', () => {
  it('uses the type share, else the default, and 0 for unmeasured types', () => {
    const policies: Pick<Policies, 'holdout'> = { holdout: { default: 0.1, retry_payment: 0 } };
    expect(holdoutShareOf(policies, 'retry_payment')).toBe(0);
    expect(holdoutShareOf(policies, 'upgrade_offer')).toBe(0.1);
    expect(holdoutShareOf(policies, 'cancel_orphaned_subscription')).toBe(0);
  });
});

describe('gate windows', () => {
  const now = new Date('2026-11-25T12:00:00Z');

  it('starts the contact window windowDays before now', () => {
    const policies = { contact_cap: { ...DEFAULT_POLICIES.contact_cap, windowDays: 7 } };
    expect(contactWindowStart(now, policies).toISOString()).toBe('2026-11-18T12:00:00.000Z');
  });

  it('starts the circuit-breaker window windowMinutes before now', () => {
    const policies = { circuit_breaker: { ...DEFAULT_POLICIES.circuit_breaker, windowMinutes: 90 } };
    expect(breakerWindowStart(now, policies).toISOString()).toBe('2026-11-25T10:30:00.000Z');
  });
});
