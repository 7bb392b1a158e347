// `floyo-engine freezes` as an admin runs it: the real bin in a child process against the api on a port. Adds a
// one-off and a recurring window, lists them, removes one, and refuses bad input with one line and exit code 2.
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv } from '../../platform/config';
import { repoRoot } from '../../platform/paths';
import { setupE2E, type E2E } from './harness';

let e: E2E;
let url: string;

beforeAll(async () => {
  e = await setupE2E('cli-freezes');
  url = await e.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await e?.close();
});

function cli(args: string[], key: string = e.keys.admin): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = childEnv({ FLOYO_API_URL: url });
  env.FLOYO_API_KEY = key;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, 'cli', 'floyo-engine.mjs'), ...args],
      { env, cwd: os.tmpdir(), timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('floyo-engine freezes', () => {
  it('adds, lists and removes windows', async () => {
    const oneOff = await cli([
      'freezes',
      'add',
      '--name',
      'Black Friday',
      '--reason',
      'peak traffic',
      '--timezone',
      'America/New_York',
      '--from',
      '2099-11-27T00:00:00-05:00',
      '--until',
      '2099-11-30T06:00:00-05:00',
    ]);
    expect(oneOff.stderr).toBe('');
    expect(oneOff.stdout).toMatch(/^Added change freeze (\d+) 'Black Friday' \(America\/New_York\)\./);
    const id = /freeze (\d+)/.exec(oneOff.stdout)![1]!;
    const weekly = await cli([
      'freezes',
      'add',
      '--name',
      'Weekend',
      '--reason',
      'nobody on call',
      '--timezone',
      'Europe/Berlin',
      '--cron',
      '0 18 * * 5',
      '--duration',
      '60h',
    ]);
    expect(weekly.code, weekly.stderr).toBe(0);

    const ls = await cli(['freezes', 'ls'], e.keys.viewer);
    expect(ls.code, ls.stderr).toBe(0);
    const lines = ls.stdout.split('\n');
    expect(lines[0]).toMatch(/^(No change freeze in force\.|ACTIVE: change freeze 'Weekend')/);
    expect(lines[1]).toMatch(/^ID\s+NAME\s+WHEN\s+ZONE\s+NEXT\s+REASON/);
    expect(ls.stdout).toContain('cron "0 18 * * 5" for 3600 min');
    expect(ls.stdout).toContain('2099-11-27T05:00:00.000Z → 2099-11-30T11:00:00.000Z');

    const rm = await cli(['freezes', 'rm', id]);
    expect(rm.stdout).toBe(`Removed change freeze ${id} 'Black Friday'.\n`);
    const json = JSON.parse((await cli(['freezes', 'ls', '--json'])).stdout);
    expect(json.items.map((i: { name: string }) => i.name)).toEqual(['Weekend']);
  });

  it('refuses bad input with one clear line and exit code 2; a viewer cannot add (3)', async () => {
    const base = ['freezes', 'add', '--name', 'X', '--reason', 'testing', '--timezone', 'UTC'];
    const badCron = await cli([...base, '--cron', 'fridays', '--duration', '60']);
    expect(badCron.code).toBe(2);
    expect(badCron.stderr).toMatch(/^floyo-engine: freezes add: --cron: must be a five-field cron expression.*\n$/);
    const badDuration = await cli([...base, '--cron', '0 18 * * 5', '--duration', 'forever']);
    expect(badDuration.stderr).toMatch(/^floyo-engine: freezes add: --duration: .*\n$/);
    const backwards = await cli([...base, '--from', '2099-01-02T00:00:00Z', '--until', '2099-01-01T00:00:00Z']);
    expect(backwards.stderr).toBe('floyo-engine: freezes add: --until: must be after startsAt\n');
    const missing = await cli([...base]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.split('\n')).toHaveLength(2);
    expect(missing.stderr).toMatch(/--from/);
    const rmBad = await cli(['freezes', 'rm', 'abc']);
    expect(rmBad).toMatchObject({
      code: 2,
      stderr: 'floyo-engine: freezes rm needs a numeric freeze id (freezes ls lists them)\n',
    });
    const viewer = await cli([...base, '--cron', '0 18 * * 5', '--duration', '60'], e.keys.viewer);
    expect(viewer.code).toBe(3);
  });
});
