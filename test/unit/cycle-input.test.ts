import { describe, expect, it } from 'vitest';
import { PHASES } from '../../engine/types';
import { normalizeCycleInput } from '../../workflows/input';

describe('normalizeCycleInput', () => {
  it('defaults an api/cli start to dry-run with every allowed phase', () => {
    expect(normalizeCycleInput({}, PHASES)).toEqual({
      dryRun: true,
      trigger: 'cli',
      requestedBy: 'cli',
      phases: [...PHASES],
      now: null,
      full: false,
    });
    expect(normalizeCycleInput(undefined, PHASES).dryRun).toBe(true);
  });

  it('leaves dry-run to the live_mode policy for schedules and the monitor', () => {
    expect(normalizeCycleInput({ trigger: 'schedule' }, PHASES).dryRun).toBeNull();
    expect(normalizeCycleInput({ trigger: 'monitor' }, PHASES).dryRun).toBeNull();
    expect(normalizeCycleInput({ trigger: 'schedule', dryRun: true }, PHASES).dryRun).toBe(true);
  });

  it('keeps an explicit live request', () => {
    expect(normalizeCycleInput({ dryRun: false, trigger: 'api', requestedBy: 'alice' }, PHASES)).toMatchObject({
      dryRun: false,
      requestedBy: 'alice',
    });
  });

  it('asks for a rollup rebuild only when full is true', () => {
    expect(normalizeCycleInput({ full: true }, PHASES).full).toBe(true);
    expect(normalizeCycleInput({ full: false }, PHASES).full).toBe(false);
  });

  it('runs a phase subset in canonical order', () => {
    expect(normalizeCycleInput({ phases: ['verify', 'analyze'] }, PHASES).phases).toEqual(['analyze', 'verify']);
  });

  it.each([
    [{ dryRun: 'yes' }, /dryRun must be a boolean/],
    [{ trigger: 'cron' }, /trigger must be one of/],
    [{ phases: [] }, /non-empty/],
    [{ phases: ['analyze', 'analyze'] }, /must not repeat/],
    [{ phases: ['explode'] }, /unknown or disallowed phase/],
    [{ now: 'yesterday' }, /ISO timestamp/],
    [{ full: 'yes' }, /full must be a boolean/],
    [{ dry_run: true }, /unknown input field\(s\): dry_run/],
    [[], /must be an object/],
  ])('rejects %j', (input, message) => {
    expect(() => normalizeCycleInput(input, PHASES)).toThrow(message);
  });

  it('refuses phases outside the workflow', () => {
    expect(() => normalizeCycleInput({ phases: ['optimize'] }, ['heal'])).toThrow(/allowed: heal/);
  });
});
