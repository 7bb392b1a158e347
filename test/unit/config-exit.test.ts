// How a process started with a bad or missing setting stops: one line on stderr naming the variable,
// exit code 1, no stack trace — checked on the real entrypoints, run as child processes.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { childEnv } from '../../platform/config';
import { repoRoot } from '../../platform/paths';

const run = promisify(execFile);
const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');

async function start(script: string, env: Record<string, string | undefined>) {
  try {
    await run(tsx, [path.join(repoRoot, script)], { env: childEnv(env), cwd: repoRoot, timeout: 60_000 });
    throw new Error(`${script} exited 0`);
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: e.code, stderr: e.stderr ?? '' };
  }
}

describe('a process that cannot start', () => {
  it('stops on a bad value with one line naming it', async () => {
    const r = await start('api/server.ts', { PORT: 'abc' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('PORT=abc: expected a port number 0-65535\n');
  }, 60_000);

  it('the production api says which server setting is missing', async () => {
    const r = await start('api/server.ts', { DATABASE_URL: undefined, TEMPORAL_ADDRESS: '127.0.0.1:7233' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      '[api] failed to start: DATABASE_URL is unset: set it, or run `npm run api`, which starts the embedded one\n',
    );
  }, 60_000);

  it('the production worker says which server setting is missing', async () => {
    const r = await start('worker/main.ts', {
      DATABASE_URL: 'postgres://x@127.0.0.1:1/x',
      TEMPORAL_ADDRESS: undefined,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      '[worker] failed: TEMPORAL_ADDRESS is unset: set it, or run `npm run worker`, which starts the embedded one\n',
    );
  }, 60_000);
});
