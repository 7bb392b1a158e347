import { describe, expect, it } from 'vitest';
import { actionBlastRadius, userOf } from '../../engine/approvals/blast-radius';
import { castVote, quorumReason, requiredApprovers, runStarter, type VoteState } from '../../engine/approvals/quorum';
import { evaluateGates } from '../../engine/safety/gates';
import { DEFAULT_POLICIES } from '../../engine/safety/config-schema';
import type { ActionPlan } from '../../engine/types';

const policy = { approvers: 2, whenUsersAtLeast: 500, whenMrrCentsAtLeast: 500_000 };

describe('requiredApprovers', () => {
  it('needs one approver below both thresholds and policy.approvers from either', () => {
    expect(requiredApprovers({ users: 1, mrrCents: 4_900 }, policy)).toBe(1);
    expect(requiredApprovers({ users: 499, mrrCents: 499_999 }, policy)).toBe(1);
    expect(requiredApprovers({ users: 500, mrrCents: 0 }, policy)).toBe(2);
    expect(requiredApprovers({ users: 1, mrrCents: 500_000 }, policy)).toBe(2);
    expect(requiredApprovers({ users: 10_000, mrrCents: 0 }, { ...policy, approvers: 3 })).toBe(3);
  });

  it('says why a quorum applies, and nothing when one approval suffices', () => {
    expect(quorumReason({ users: 600, mrrCents: 600_000 }, policy)).toBe(
      '2 approvers needed: 600 users ≥ 500, MRR 600000 ¢ ≥ 500000 ¢',
    );
    expect(quorumReason({ users: 1, mrrCents: 100 }, policy)).toBeNull();
    expect(quorumReason({ users: 600, mrrCents: 0 }, { ...policy, approvers: 1 })).toBeNull();
  });
});

describe('castVote', () => {
  const two: VoteState = { approvers: [], required: 2 };

  it('needs two distinct operators; the same one twice counts once', () => {
    const a = castVote(two, { operator: 'alice', approve: true }, null);
    expect(a).toMatchObject({ outcome: 'pending', reason: '1 of 2 approvals', state: { approvers: ['alice'] } });
    const again = castVote(a.state, { operator: ' Alice ', approve: true }, null);
    expect(again.outcome).toBe('refused');
    expect(again.reason).toMatch(/already approved/);
    expect(again.state).toBe(a.state);
    const b = castVote(a.state, { operator: 'bob', approve: true }, null);
    expect(b).toMatchObject({ outcome: 'approved', state: { approvers: ['alice', 'bob'] } });
  });

  it('refuses the approve of whoever started the run by hand, but lets them reject', () => {
    const self = castVote({ approvers: [], required: 1 }, { operator: 'carol', approve: true }, 'carol');
    expect(self.outcome).toBe('refused');
    expect(self.reason).toMatch(/self-approval: carol started the run/);
    expect(castVote({ approvers: [], required: 1 }, { operator: 'CAROL', approve: true }, 'carol').outcome).toBe(
      'refused',
    );
    expect(castVote({ approvers: [], required: 1 }, { operator: 'carol', approve: false }, 'carol').outcome).toBe(
      'rejected',
    );
    expect(castVote({ approvers: [], required: 1 }, { operator: 'dave', approve: true }, 'carol').outcome).toBe(
      'approved',
    );
  });

  it('any reject rejects, even after approvals', () => {
    const a = castVote(two, { operator: 'alice', approve: true }, null);
    expect(castVote(a.state, { operator: 'bob', approve: false }, null)).toMatchObject({
      outcome: 'rejected',
      reason: 'rejected by bob',
    });
  });

  it('refuses a vote without an operator and any vote after the quorum is reached', () => {
    expect(castVote(two, { operator: '  ', approve: true }, null).outcome).toBe('refused');
    const done: VoteState = { approvers: ['a', 'b'], required: 2 };
    expect(castVote(done, { operator: 'c', approve: false }, null).outcome).toBe('refused');
  });
});

describe('runStarter', () => {
  it('is the person who started a run from the api or CLI; a schedule or the monitor is nobody', () => {
    expect(runStarter({ trigger: 'api', requestedBy: 'alice' })).toBe('alice');
    expect(runStarter({ trigger: 'cli', requestedBy: ' bob ' })).toBe('bob');
    expect(runStarter({ trigger: 'schedule', requestedBy: 'schedule' })).toBeNull();
    expect(runStarter({ trigger: 'monitor', requestedBy: 'floyo-monitor' })).toBeNull();
    expect(runStarter(null)).toBeNull();
  });
});

describe('actionBlastRadius', () => {
  const act = (type: string, targetType: string, targetId: string, params: Record<string, unknown> = {}) => ({
    type,
    targetType,
    targetId,
    params,
  });
  it('a payment retry touches its amount; a per-user action the user and their MRR; a funnel nobody', () => {
    expect(actionBlastRadius(act('retry_payment', 'payment', '9', { userId: 3, amountCents: 12_000 }), 999)).toEqual({
      users: 1,
      mrrCents: 12_000,
    });
    expect(actionBlastRadius(act('normalize_email', 'user', '42'), 4_900)).toEqual({ users: 1, mrrCents: 4_900 });
    expect(actionBlastRadius(act('cancel_orphaned_subscription', 'subscription', '7', { mrrCents: 2_000 }), 0)).toEqual(
      { users: 1, mrrCents: 2_000 },
    );
    expect(actionBlastRadius(act('funnel_recommendation', 'funnel', 'signup'), 0)).toEqual({ users: 0, mrrCents: 0 });
    expect(actionBlastRadius(act('data_fix_review', 'finding', 'data_quality:x', { count: 620 }), 0)).toEqual({
      users: 620,
      mrrCents: 0,
    });
    expect(userOf(act('upgrade_offer', 'user', '5'))).toBe(5);
  });
});

describe('data-fix review wording', () => {
  const plan: ActionPlan = {
    phase: 'heal',
    type: 'normalize_email',
    gateClass: 'healing',
    targetType: 'user',
    targetId: '42',
    params: { userId: 42, fromEmail: 'A@x.io', email: 'a@x.io' },
    findingFingerprint: null,
    detectionConfidence: 1,
    expectedImpact: {},
    executable: true,
  };
  it('shows the detection confidence and why no automatic fix is safe, not the action confidence', () => {
    const e = evaluateGates({
      plan,
      policies: DEFAULT_POLICIES,
      thresholds: {},
      counters: {
        typeAdmittedInCycle: 0,
        recentContactsForUser: 0,
        recentFailuresForType: 0,
        now: new Date('2026-11-23T12:00:00Z'),
      },
      posterior: { alpha: 1, beta: 1 },
    });
    expect(e.verdict).toBe('needs_approval');
    expect(e.reason).toMatch(/^detected with certainty \(detection confidence 100%\); no safe automatic fix: /);
    expect(e.reason).toMatch(/success lower bound 5%/);
  });

  it('for a data-fix review uses its finding confidence, not the capped planned one, and says a person fixes it', () => {
    const e = evaluateGates({
      plan: {
        ...plan,
        type: 'data_fix_review',
        gateClass: 'remediation',
        targetId: 'data_quality:duplicate_email',
        params: { findingConfidence: 1, suggestedFix: 'Merge the accounts.' },
        detectionConfidence: 0.5,
      },
      policies: DEFAULT_POLICIES,
      thresholds: {},
      counters: {
        typeAdmittedInCycle: 0,
        recentContactsForUser: 0,
        recentFailuresForType: 0,
        now: new Date('2026-11-23T12:00:00Z'),
      },
      posterior: { alpha: 1, beta: 1 },
    });
    expect(e.reason).toBe(
      'detected with certainty (detection confidence 100%); no safe automatic fix: no rule can change these records safely, so a person fixes them (Merge the accounts.)',
    );
  });
});
