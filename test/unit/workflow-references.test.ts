// The workflows are started by function reference; these pin the names Temporal sees (history, schedules,
// the api's responses) and the error names the retry policies treat as final.
import { describe, expect, it } from 'vitest';
import { NonRetryableError, isNonRetryable } from '../../activities/effects/errors';
import { CYCLE_WORKFLOWS } from '../../api/temporal/cycle-workflows';
import { ValidationError } from '../../engine/safety/errors';
import {
  APPROVAL_OPTIONS,
  BOOKKEEPING_OPTIONS,
  CAMPAIGN_WAVE_OPTIONS,
  MONITOR_OPTIONS,
  PHASE_OPTIONS,
  RELAY_BATCH_OPTIONS,
} from '../../workflows/activity-options';
import * as workflows from '../../workflows';

describe('workflow references', () => {
  it('name each api-started workflow by its export name, the type recorded in histories and schedules', () => {
    for (const [key, spec] of Object.entries(CYCLE_WORKFLOWS)) {
      expect(spec.workflowType).toBe(key);
      expect(workflows[key as keyof typeof workflows]).toBe(spec.workflow);
    }
    expect(Object.keys(CYCLE_WORKFLOWS).sort()).toEqual(
      Object.keys(workflows)
        // Not started through the api: approvals by their phase, the relay by its schedule, rollouts by their cycle.
        .filter((k) => k !== 'actionApproval' && k !== 'outboxRelay' && k !== 'campaignRollout')
        .sort(),
    );
  });
});

describe('non-retryable error types', () => {
  it('are the names the engine errors carry, in every activity option', () => {
    const names = ['ValidationError', 'NonRetryableError'];
    expect(new ValidationError('x').name).toBe(names[0]);
    expect(new NonRetryableError('x').name).toBe(names[1]);
    const options = [
      ...Object.values(PHASE_OPTIONS),
      BOOKKEEPING_OPTIONS,
      MONITOR_OPTIONS,
      APPROVAL_OPTIONS,
      RELAY_BATCH_OPTIONS,
      CAMPAIGN_WAVE_OPTIONS,
    ];
    for (const o of options) expect(o.retry?.nonRetryableErrorTypes).toEqual(names);
  });

  it('classify errors by name, as Temporal does across the activity boundary', () => {
    expect(isNonRetryable(new ValidationError('bad'))).toBe(true);
    expect(isNonRetryable(Object.assign(new Error('hard decline'), { name: 'NonRetryableError' }))).toBe(true);
    expect(isNonRetryable(new Error('timeout'))).toBe(false);
    expect(isNonRetryable(null)).toBe(false);
  });
});
