// The operator CLI as a user runs it: the real `floyo-engine` bin in a child process, against the
// real api listening on a port, a real worker and the dev server. It drives a dry-run cycle to
// completion with its progress display, lists and decides actions, and fails clearly.
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv } from '../../platform/config';
import { repoRoot } from '../../platform/paths';
import { seedDemoData } from '../../scripts/seed/generate';
import { createTestDb, type TestDb } from '../helpers/db';
import { startTestWorker, type TestWorker } from '../helpers/temporal';
import { setupE2E, type E2E } from './harness';

let t: TestDb;
let w: TestWorker;
let e: E2E;
let url: string;

beforeAll(async () => {
  t = await createTestDb('e2e-cli');
  await seedDemoData(t.db, { users: 1500, seed: 5, now: new Date() });
  w = await startTestWorker(t.db, { label: 'e2e-cli' });
  e = await setupE2E('cli', { db: t, taskQueue: w.taskQueue });
  url = await e.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await e?.close();
  await w?.shutdown();
});

/** Runs the bin asynchronously (the worker in this process must keep running meanwhile). */
function cli(
  args: string[],
  key: string | null = e.keys.operator,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = childEnv({ FLOYO_API_URL: url });
  delete env.FLOYO_API_KEY;
  if (key) env.FLOYO_API_KEY = key;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, 'cli', 'floyo-engine.mjs'), ...args],
      { env, cwd: os.tmpdir(), timeout: 120_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('floyo-engine CLI', () => {
  it('cycle --dry-run --wait shows every phase complete and exits 0', async () => {
    const r = await cli(['cycle', '--dry-run', '--wait']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Cycle cycle-\S+ \(dry-run\)/);
    for (const phase of ['analyze', 'heal', 'optimize', 'prevent', 'learn', 'decide', 'verify']) {
      expect(r.stdout).toMatch(new RegExp(`✔ ${phase}\\s+completed`));
    }
    expect(r.stdout).toMatch(/Cycle completed {2}health \d+/);
    const cycleId = /^Cycle (cycle-\S+)/.exec(r.stdout)![1]!;
    const row = await t.db('engine.cycles').where({ id: cycleId }).first();
    expect(row).toMatchObject({ status: 'completed', dry_run: true, requested_by: 'oscar-operator' });
  }, 120_000);

  it('cycle --full --phases analyze rebuilds the event rollups before analyzing', async () => {
    const r = await cli(['cycle', '--full', '--phases', 'analyze', '--wait']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const cycleId = /^Cycle (cycle-\S+)/.exec(r.stdout)![1]!;
    const audit = await t.db('engine.audit_log').where({ event: 'cycle.requested', cycle_id: cycleId }).first();
    expect(audit.after).toMatchObject({ full: true, phases: ['analyze'] });
    expect((await t.db('engine.event_rollup_state').first()).last_run).toMatchObject({ kind: 'rebuild' });
  }, 120_000);

  it('actions ls lists the dry-run actions in a table; --json gives the api body', async () => {
    const r = await cli(['actions', 'ls', '--status', 'dry_run', '--limit', '3']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^ACTION\s+TYPE\s+TARGET\s+CONF\s+STATUS/);
    expect(r.stdout).toMatch(/\n3 of \d+\n$/);
    const json = await cli(['actions', 'ls', '--status', 'dry_run', '--limit', '2', '--json']);
    const body = JSON.parse(json.stdout) as { items: Array<{ status: string }>; total: number };
    expect(body.items).toHaveLength(2);
    expect(body.items.every((a) => a.status === 'dry_run')).toBe(true);
  });

  it('campaigns ls and show describe the dry-run campaigns; a control that does not apply fails with why', async () => {
    const ls = await cli(['campaigns', 'ls', '--status', 'dry_run']);
    expect(ls.stderr).toBe('');
    expect(ls.code).toBe(0);
    expect(ls.stdout.split('\n')[0]).toMatch(/^CAMPAIGN\s+STATUS\s+RECIPIENTS\s+WAVE\s+EXPECTED/);
    const id = ls.stdout.split('\n')[1]!.split(/\s+/)[0]!;
    const show = await cli(['campaigns', 'show', id]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/\(dry_run, dry-run\): dry run: would message \d+ recipient/);
    expect(show.stdout).toMatch(/cohort: .+ \(moves \w+\)/);
    expect(show.stdout).toMatch(/ramp 1% → 5% → 25% → 100%/);
    const pause = await cli(['campaigns', 'pause', id, '--reason', 'checking it']);
    expect(pause.code).toBe(1);
    expect(pause.stderr).toMatch(/is dry_run.*pause applies only while it is approved or running/);
    const noReason = await cli(['campaigns', 'cancel', id]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/needs --reason/);
  });

  it('approvals ls shows the groups; approvals decide sends one reason to a group and lists what it could not signal', async () => {
    await t.db('engine.cycles').insert({
      id: 'c-cli-bulk',
      run_id: 'run-c-cli-bulk',
      kind: 'cycle',
      trigger: 'schedule',
      requested_by: 'schedule',
      dry_run: false,
      phases: ['heal'],
      status: 'completed',
      logical_now: new Date(),
    });
    const deadline = new Date(Date.now() + 3_600_000);
    for (const id of ['act-cli-1', 'act-cli-2']) {
      await t.db('engine.actions').insert({
        id,
        cycle_id: 'c-cli-bulk',
        phase: 'heal',
        type: 'normalize_email',
        target_type: 'user',
        target_id: id.replace(/\D/g, ''),
        params: JSON.stringify({}),
        detection_confidence: 1,
        confidence: 0.05,
        expected_impact: JSON.stringify({}),
        mode: 'needs_approval',
        status: 'pending_approval',
        dry_run: false,
      });
      // No workflow: the rows say pending, so the api signals and finds no workflow (skipped, 409).
      await t
        .db('engine.approvals')
        .insert({ action_id: id, workflow_id: `approval-${id}`, status: 'pending', deadline });
    }
    const ls = await cli(['approvals', 'ls']);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/c-cli-bulk\s+normalize_email\s+2\s+0/);
    const noFilter = await cli(['approvals', 'decide', '--reject', '--reason', 'not now']);
    expect(noFilter.code).toBe(2);
    expect(noFilter.stderr).toContain('needs a filter');
    const both = await cli(['approvals', 'decide', '--reject', '--approve', '--type', 'x', '--reason', 'not now']);
    expect(both.code).toBe(2);
    const r = await cli([
      'approvals',
      'decide',
      '--reject',
      '--cycle',
      'c-cli-bulk',
      '--type',
      'normalize_email',
      '--reason',
      'the addresses are right',
    ]);
    expect(r.stdout).toContain('Reject signaled to 0 of 2 matching approval(s) as oscar-operator.');
    expect(r.stdout).toMatch(/skipped act-cli-1 \(409\): .*no longer running/);
    expect(r.code).toBe(1);
  });

  it('fails clearly: unknown action (1), rejected key (3), low role (3), bad usage (2), api down (1)', async () => {
    const missing = await cli(['actions', 'approve', 'no-such-action', '--reason', 'checked it']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('failed with 404: No approval for action');
    const badKey = await cli(['schedules', 'ls'], 'floyo_not_a_key');
    expect(badKey.code).toBe(3);
    expect(badKey.stderr).toContain('The api rejected the key');
    const viewer = await cli(['cycle'], e.keys.viewer);
    expect(viewer.code).toBe(3);
    expect(viewer.stderr).toContain('requires the operator role');
    const noReason = await cli(['actions', 'approve', 'x']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('needs --reason');
    const down = await cli(['--url', 'http://127.0.0.1:1', 'schedules', 'ls']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('Cannot reach the api at http://127.0.0.1:1');
  });
});
