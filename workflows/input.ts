// Validates a cycle workflow's input inside the workflow (pure), so a malformed start from the CLI or a
// schedule fails fast and non-retryably instead of retrying forever.
import { PHASES, TRIGGERS, type Phase, type Trigger } from '../engine/types';
import type { CycleInput } from './definitions';

export interface NormalizedCycleInput {
  dryRun: boolean | null; // null = decided by the live_mode policy (schedules, monitor)
  trigger: Trigger;
  requestedBy: string;
  phases: Phase[];
  now: string | null;
  full: boolean;
}

export function normalizeCycleInput(raw: unknown, allowed: readonly Phase[]): NormalizedCycleInput {
  const input = (raw ?? {}) as CycleInput & Record<string, unknown>;
  if (typeof input !== 'object' || Array.isArray(input)) throw new Error('input must be an object');
  const known = new Set(['dryRun', 'trigger', 'requestedBy', 'phases', 'now', 'full']);
  const unknown = Object.keys(input).filter((k) => !known.has(k));
  if (unknown.length) throw new Error(`unknown input field(s): ${unknown.join(', ')}`);
  if (input.dryRun !== undefined && typeof input.dryRun !== 'boolean') throw new Error('dryRun must be a boolean');
  if (input.full !== undefined && typeof input.full !== 'boolean') throw new Error('full must be a boolean');
  const trigger = input.trigger ?? 'cli';
  if (!(TRIGGERS as readonly string[]).includes(trigger))
    throw new Error(`trigger must be one of ${TRIGGERS.join(', ')}`);
  if (input.requestedBy !== undefined && typeof input.requestedBy !== 'string')
    throw new Error('requestedBy must be a string');
  let phases: Phase[] = [...allowed];
  if (input.phases !== undefined) {
    if (!Array.isArray(input.phases) || input.phases.length === 0) throw new Error('phases must be a non-empty array');
    const bad = input.phases.filter((p) => !allowed.includes(p as Phase));
    if (bad.length)
      throw new Error(`unknown or disallowed phase(s): ${bad.join(', ')}; allowed: ${allowed.join(', ')}`);
    if (new Set(input.phases).size !== input.phases.length) throw new Error('phases must not repeat');
    // Always run in the canonical order, whatever order was asked for.
    phases = PHASES.filter((p) => input.phases!.includes(p));
  }
  if (input.now !== undefined && (typeof input.now !== 'string' || Number.isNaN(Date.parse(input.now)))) {
    throw new Error('now must be an ISO timestamp');
  }
  // Schedules and the monitor follow the live_mode policy; every other start is dry-run unless it says otherwise.
  const dryRun = input.dryRun ?? (trigger === 'schedule' || trigger === 'monitor' ? null : true);
  return {
    dryRun,
    trigger,
    requestedBy: input.requestedBy ?? trigger,
    phases,
    now: input.now ?? null,
    full: input.full ?? false,
  };
}
