// Validation of thresholds and policies, the effect idempotency keys, and the sandbox gateway's
// settlement table: pure parts of the safety model.
import { describe, expect, it } from 'vitest';
import {
  sandboxBackoffMs,
  sandboxProviderRef,
  sandboxSettlement,
} from '../../activities/effects/sandbox-payment-gateway';
import {
  DEFAULT_POLICIES,
  parsePolicy,
  parseThreshold,
  policiesSchema,
  typeCapOf,
} from '../../engine/safety/config-schema';
import { actionIdOf, effectPortOf, effectTargetOf } from '../../engine/safety/effect-keys';
import { ValidationError } from '../../engine/safety/errors';

function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('thresholds', () => {
  it('accepts valid values of known thresholds', () => {
    expect(parseThreshold('gate.remediation', 0.85)).toBe(0.85);
    expect(parseThreshold('gate.healing', 0)).toBe(0);
    expect(parseThreshold('gate.optimization', 1)).toBe(1);
    expect(parseThreshold('kpi.min_sample', 50)).toBe(50);
    expect(parseThreshold('ml.suggestion_threshold', 0.6)).toBe(0.6);
  });

  it('rejects unknown names and bad values with a 400 ValidationError naming the problem', () => {
    const unknown = validationError(() => parseThreshold('gate.yolo', 0.5));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.message).toMatch(/^Unknown threshold 'gate\.yolo'\. Known thresholds: gate\.remediation, /);
    expect(validationError(() => parseThreshold('gate.remediation', 1.5)).message).toBe(
      "Invalid value for threshold 'gate.remediation': must be between 0 and 1",
    );
    expect(validationError(() => parseThreshold('gate.remediation', '0.9')).message).toBe(
      "Invalid value for threshold 'gate.remediation': must be a number",
    );
    expect(validationError(() => parseThreshold('kpi.min_sample', 2.5)).issues).toEqual([
      { path: 'value', message: 'must be a whole number' },
    ]);
    expect(() => parseThreshold('kpi.gross_margin', 0)).toThrow(ValidationError);
    expect(() => parseThreshold('gate.healing', Number.NaN)).toThrow(ValidationError);
  });
});

describe('policies', () => {
  it('the defaults are valid and equal the migration rows', () => {
    expect(policiesSchema.parse(DEFAULT_POLICIES)).toEqual(DEFAULT_POLICIES);
    expect(DEFAULT_POLICIES.contact_cap).toEqual({ maxMessages: 1, windowDays: 7 });
  });

  it('accepts valid values', () => {
    expect(parsePolicy('kill_switch', { enabled: true })).toEqual({ enabled: true });
    expect(parsePolicy('type_caps', { default: 100, retry_payment: 20 })).toEqual({ default: 100, retry_payment: 20 });
    expect(
      parsePolicy('quiet_hours', { enabled: true, startHour: 21, endHour: 8, timezone: 'Europe/Paris' }),
    ).toMatchObject({ timezone: 'Europe/Paris' });
  });

  it('rejects unknown policies, unknown keys, and bad values, with paths', () => {
    expect(validationError(() => parsePolicy('yolo_mode', { enabled: true })).message).toMatch(
      /^Unknown policy 'yolo_mode'/,
    );
    expect(validationError(() => parsePolicy('type_caps', { default: 10, teleport: 3 })).issues[0]!.path).toBe('value');
    expect(validationError(() => parsePolicy('type_caps', { default: -1 })).issues).toEqual([
      { path: 'value.default', message: 'must be 0 or more' },
    ]);
    const rules = DEFAULT_POLICIES.card_network_rules;
    expect(parsePolicy('card_network_rules', rules)).toEqual(rules);
    expect(
      validationError(() =>
        parsePolicy('card_network_rules', { ...rules, mastercard: { ...rules.mastercard, maxRetries24h: 2.5 } }),
      ).issues,
    ).toEqual([{ path: 'value.mastercard.maxRetries24h', message: 'must be a whole number' }]);
    expect(validationError(() => parsePolicy('kill_switch', { enabled: 'yes' })).issues).toEqual([
      { path: 'value.enabled', message: 'enabled must be true or false' },
    ]);
    expect(
      validationError(() =>
        parsePolicy('quiet_hours', { enabled: true, startHour: 22, endHour: 7, timezone: 'Mars/Olympus' }),
      ).issues,
    ).toEqual([{ path: 'value.timezone', message: 'must be an IANA time zone, e.g. UTC or Europe/Paris' }]);
    expect(
      validationError(() => parsePolicy('quiet_hours', { enabled: true, startHour: 7, endHour: 7, timezone: 'UTC' }))
        .issues[0]!.path,
    ).toBe('value.endHour');
    expect(
      validationError(() => parsePolicy('quiet_hours', { enabled: true, startHour: 24, endHour: 7, timezone: 'UTC' }))
        .issues[0]!.path,
    ).toBe('value.startHour');
    expect(() => parsePolicy('circuit_breaker', { failures: 0, windowMinutes: 60 })).toThrow(ValidationError);
    expect(() => parsePolicy('payment_retry', { maxAttempts: 1.5 })).toThrow(ValidationError);
    expect(() => parsePolicy('contact_cap', { maxMessages: 1 })).toThrow(ValidationError);
  });

  it('a type without its own cap uses the default', () => {
    const p = { type_caps: { default: 7, retry_payment: 2 } };
    expect(typeCapOf(p, 'retry_payment')).toBe(2);
    expect(typeCapOf(p, 'upgrade_offer')).toBe(7);
  });
});

describe('effect idempotency keys', () => {
  const base = { id: 'c1:x:1', targetId: '1', params: {} };

  it('derive from the natural target of each executable type', () => {
    expect(actionIdOf('cycle-9', 'retry_payment', '55')).toBe('cycle-9:retry_payment:55');
    expect(
      effectTargetOf({ ...base, type: 'retry_payment', targetId: '55', params: { paymentId: 55, attempt: 2 } }),
    ).toMatchObject({
      port: 'payments',
      key: 'retry_payment:55:attempt:2',
      target: 'payment:55',
    });
    expect(
      effectTargetOf({ ...base, type: 'cancel_orphaned_subscription', targetId: '8', params: { subscriptionId: 8 } }),
    ).toMatchObject({
      port: 'data',
      key: 'cancel_subscription:8',
    });
    expect(
      effectTargetOf({
        ...base,
        type: 'normalize_email',
        targetId: '3',
        params: { userId: 3, fromEmail: ' Bob@X.io ', email: 'bob@x.io' },
      }),
    ).toMatchObject({
      port: 'data',
      key: 'normalize_email:3',
      toEmail: 'bob@x.io',
    });
    expect(
      effectTargetOf({
        ...base,
        id: 'c1:onboarding_nudge:4',
        type: 'onboarding_nudge',
        targetId: '4',
        params: { userId: 4, template: 'onboarding_nudge_v1' },
      }),
    ).toMatchObject({
      port: 'messenger',
      key: 'message:onboarding_nudge_v1:4:c1:onboarding_nudge:4',
    });
    // The template defaults to the type's.
    expect(effectTargetOf({ ...base, id: 'a', type: 'upgrade_offer', targetId: '4' })!.key).toBe(
      'message:upgrade_offer_v1:4:a',
    );
    expect(effectTargetOf({ ...base, type: 'data_fix_review' })).toBeNull();
    expect(effectPortOf('funnel_recommendation')).toBeNull();
  });

  it('refuse plans that lack what a deterministic key needs', () => {
    // Without the planned attempt the key would follow the payment row, which the retry itself changes.
    expect(() => effectTargetOf({ ...base, type: 'retry_payment', params: { paymentId: 1 } })).toThrow(
      /needs params\.attempt/,
    );
    expect(() => effectTargetOf({ ...base, type: 'retry_payment', params: { paymentId: 'abc', attempt: 2 } })).toThrow(
      ValidationError,
    );
    expect(() => effectTargetOf({ ...base, type: 'normalize_email', params: { userId: 1 } })).toThrow(/fromEmail/);
    expect(() =>
      effectTargetOf({ ...base, type: 'normalize_email', params: { userId: 1, fromEmail: 'A@b.io', email: 'x@b.io' } }),
    ).toThrow(/not lower\(btrim/);
  });
});

describe('sandbox gateway settlement table', () => {
  it.each([
    ['processing_error', 1, 'succeeded', null],
    ['try_again_later', 1, 'succeeded', null],
    ['Issuer_Not_Available ', 1, 'succeeded', null],
    ['insufficient_funds', 1, 'failed', 'insufficient_funds'],
    ['insufficient_funds', 2, 'succeeded', null],
    ['insufficient_funds', 3, 'succeeded', null],
    ['generic_decline', 1, 'failed', 'generic_decline'],
    ['do_not_honor', 2, 'failed', 'do_not_honor'],
    [null, 1, 'failed', 'generic_decline'],
  ] as const)('%s on retry %i → %s', (code, retry, status, failureCode) => {
    expect(sandboxSettlement(code, retry)).toEqual({ status, failureCode });
  });

  it('backs off 1, 2, 4 days, capped at 7, and derives the provider ref from the key', () => {
    expect([1, 2, 3, 4, 9].map((r) => sandboxBackoffMs(r) / 86_400_000)).toEqual([1, 2, 4, 7, 7]);
    expect(sandboxProviderRef('retry_payment:1:attempt:2')).toMatch(/^sandbox_[0-9a-f]{24}$/);
    expect(sandboxProviderRef('retry_payment:1:attempt:2')).toBe(sandboxProviderRef('retry_payment:1:attempt:2'));
    expect(sandboxProviderRef('retry_payment:1:attempt:3')).not.toBe(sandboxProviderRef('retry_payment:1:attempt:2'));
  });
});
