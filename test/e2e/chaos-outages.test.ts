// Outage trials on a private stack (its own embedded PostgreSQL and Temporal dev server, since the suite's
// other files share the usual ones): `npm run chaos -- --outage …` in a child process runs a live cycle on a
// real worker process while PostgreSQL is stopped for 30 s, and again while the dev server restarts, both
// inside optimize. Each cycle completes, with nothing dropped, duplicated, pending or unaudited.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../platform/paths';
import { loadDevConfig } from '../../scripts/lib/dev-config';
import { RESULT_PREFIX } from '../../scripts/lib/outage-mode';
import type { OutageKind, OutageResult } from '../../scripts/lib/outage';
import { resolveTemporalCli } from '../../scripts/lib/temporal-cli';
import { killStack, privateStack, type Stack } from './launcher';

const ALL_ZERO = {
  cyclesNotCompleted: 0,
  duplicatePayments: 0,
  duplicateMessages: 0,
  duplicateDataFixes: 0,
  pendingEffects: 0,
  unauditedEffects: 0,
  unfinishedActions: 0,
  approvalsWithoutWorkflow: 0,
};

let stack: Stack;

beforeAll(async () => {
  stack = await privateStack('outage');
  // The CLI the test setup resolved, so the private stack starts its dev server without a build.
  stack.env.TEMPORAL_CLI = await resolveTemporalCli(loadDevConfig(), () => undefined);
  stack.env.LOG_LEVEL = 'warn';
});

afterAll(() => {
  if (!stack) return;
  killStack(stack, []);
  fs.rmSync(stack.dir, { recursive: true, force: true });
});

async function outageTrial(
  kind: OutageKind,
): Promise<{ results: OutageResult[]; output: string; code: number | null }> {
  const args = [
    '--import',
    'tsx',
    path.join(repoRoot, 'scripts', 'chaos.ts'),
    '--outage',
    kind,
    '--users',
    '2000',
    '--json',
  ];
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: stack.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = output.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (!line) throw new Error(`no results from the outage trial (exit ${code}):\n${output.slice(-3000)}`);
  return { results: JSON.parse(line.slice(RESULT_PREFIX.length)) as OutageResult[], output, code };
}

describe('outages mid-cycle', () => {
  it('completes a live cycle when PostgreSQL is unavailable for 30 s inside optimize', async () => {
    const { results, output, code } = await outageTrial('postgres');
    expect(code, output).toBe(0);
    const [r] = results;
    expect(r!.inPhase).toBe(true);
    expect(r!.downSeconds).toBeGreaterThanOrEqual(30);
    expect(r!.cycleStatus).toBe('completed');
    expect(r!.effects).toBeGreaterThan(10);
    expect(r!.invariants).toEqual(ALL_ZERO);
  }, 400_000);

  it('completes a live cycle when the Temporal dev server restarts inside optimize', async () => {
    const { results, output, code } = await outageTrial('temporal');
    expect(code, output).toBe(0);
    const [r] = results;
    expect(r!.inPhase).toBe(true);
    expect(r!.cycleStatus).toBe('completed');
    expect(r!.effects).toBeGreaterThan(10);
    expect(r!.invariants).toEqual(ALL_ZERO);
  }, 400_000);
});
