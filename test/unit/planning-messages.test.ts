// Shared planning rules: one message per user by priority, cross-phase exclusion, gate class per type,
// success probabilities, and the email rule being the data-quality SQL's own.
import { describe, expect, it } from 'vitest';
import { VALID_EMAIL_PATTERN } from '../../db/queries/detectors';
import { successProbability } from '../../engine/planning/common';
import { isValidNormalizedEmail, normalizeEmail, VALID_EMAIL_REGEX_SOURCE } from '../../engine/planning/email';
import { GATE_CLASS_BY_TYPE } from '../../engine/planning/gate-classes';
import { dedupeMessagesByUser, excludeUsers, messagedUserIds } from '../../engine/planning/messages';
import type { ActionPlan, ActionType } from '../../engine/types';

const p = (type: ActionType, targetId: string, targetType: ActionPlan['targetType'] = 'user'): ActionPlan => ({
  phase: 'optimize',
  type,
  gateClass: GATE_CLASS_BY_TYPE[type],
  targetType,
  targetId,
  params: {},
  findingFingerprint: null,
  detectionConfidence: 1,
  expectedImpact: {},
  executable: true,
});

describe('dedupeMessagesByUser', () => {
  it('keeps the highest-priority message per user and leaves other plans and their order alone', () => {
    const plans = [
      p('upgrade_offer', '1'),
      p('onboarding_nudge', '2'),
      p('retention_campaign', '1'),
      p('normalize_email', '1'), // not a message: kept
      p('upgrade_offer', '2'),
      p('proactive_retention', '3'),
      p('retention_campaign', '3'),
      p('funnel_recommendation', 'activated', 'funnel'),
      p('onboarding_nudge', '4'),
      p('onboarding_nudge', '4'), // the same plan twice: once
    ];
    expect(dedupeMessagesByUser(plans).map((x) => `${x.type}:${x.targetId}`)).toEqual([
      'onboarding_nudge:2',
      'retention_campaign:1',
      'normalize_email:1',
      'proactive_retention:3',
      'funnel_recommendation:activated',
      'onboarding_nudge:4',
    ]);
  });

  it('excludeUsers drops only messages; messagedUserIds lists message targets', () => {
    const plans = [p('onboarding_nudge', '2'), p('normalize_email', '2'), p('upgrade_offer', '5')];
    expect(excludeUsers(plans, [2]).map((x) => x.type)).toEqual(['normalize_email', 'upgrade_offer']);
    expect(excludeUsers(plans, undefined)).toEqual(plans);
    expect(messagedUserIds(plans)).toEqual(['2', '5']);
  });
});

describe('gate classes and success probabilities', () => {
  it('heal repairs are healing, human decisions remediation, growth actions optimization', () => {
    expect(GATE_CLASS_BY_TYPE).toEqual({
      retry_payment: 'healing',
      cancel_orphaned_subscription: 'healing',
      normalize_email: 'healing',
      data_fix_review: 'remediation',
      investigate_system_health: 'remediation',
      retention_campaign: 'optimization',
      onboarding_nudge: 'optimization',
      upgrade_offer: 'optimization',
      funnel_recommendation: 'optimization',
      proactive_retention: 'optimization',
    });
  });

  it('P(success) is the posterior mean, 0.5 with nothing learned or a broken posterior', () => {
    expect(successProbability('retry_payment', { retry_payment: { alpha: 9, beta: 3 } })).toBe(0.75);
    expect(successProbability('retry_payment')).toBe(0.5);
    expect(successProbability('retry_payment', { retry_payment: { alpha: 0, beta: 3 } })).toBe(0.5);
  });
});

describe('email rule', () => {
  it('is the data-quality SQL pattern, and normalizes like lower(btrim()) (spaces only)', () => {
    expect(VALID_EMAIL_REGEX_SOURCE).toBe(VALID_EMAIL_PATTERN);
    expect(normalizeEmail('  Alice@Example.COM ')).toBe('alice@example.com');
    expect(normalizeEmail('\tBob@x.com')).toBe('\tbob@x.com');
    expect(['a.b+c@mail.example.co', 'x@y.io'].map(isValidNormalizedEmail)).toEqual([true, true]);
    expect(['foo@bar', '@x.com', 'a@b.c', 'A@b.com', 'a b@c.com'].map(isValidNormalizedEmail)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
