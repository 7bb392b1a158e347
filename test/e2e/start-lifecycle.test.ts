// `npm start` from a brand-new machine to Ctrl-C and back: the first start builds the CLI (a stand-in
// `go` that takes a build's time and installs a copy of the real binary) and still sees the dev server
// promptly; Ctrl-C stops api, worker, Temporal and PostgreSQL in order; the next start needs no recovery;
// a start that fails leaves nothing running.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDevConfig } from '../../scripts/lib/dev-config';
import { resolveTemporalCli } from '../../scripts/lib/temporal-cli';
import { killStack, launch, privateStack, tcpOpen, type Launch, type Stack } from './launcher';

// Long enough that grpc-js, left to its global subchannel pool, backs off well past the server's start.
const BUILD_SECONDS = 30;
const RECOVERY = /database system was interrupted|not properly shut down|redo starts|automatic recovery/;

let binary: string;
let stack: Stack;
const launches: Launch[] = [];

beforeAll(async () => {
  binary = await resolveTemporalCli(loadDevConfig(), () => undefined);
  stack = await privateStack('start');
  const bin = path.join(stack.dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(
    path.join(bin, 'go'),
    `#!/bin/sh\n# Stands in for go install of the pinned CLI: a build's wait, then the already built binary.\n` +
      `echo "go: downloading github.com/temporalio/cli v1.5.1" >&2\nsleep ${BUILD_SECONDS}\n` +
      `cp '${binary}' "$GOBIN/temporal"\n`,
    { mode: 0o755 },
  );
  // No `temporal` on PATH, so the launcher takes the build path as on a machine that never had one.
  const dirs = (stack.env.PATH ?? '').split(':').filter((d) => d && !fs.existsSync(path.join(d, 'temporal')));
  stack.env.PATH = [bin, ...dirs].join(':');
});

afterAll(() => {
  if (stack) killStack(stack, launches);
});

function pgLog(): string {
  return fs.readFileSync(path.join(stack.env.FLOYO_DATA_DIR!, 'postgres.log'), 'utf8');
}

function linesOf(l: Launch): string[] {
  return l
    .output()
    .split('\n')
    .map((s) => s.replace(/^\[floyo\] /, '').trim());
}

describe('npm start', () => {
  it('comes up the first time on a machine without the CLI, although its first probe was refused', async () => {
    expect(await tcpOpen(stack.ports.grpc)).toBe(false); // so the probe before the build is refused
    const l = launch(stack);
    launches.push(l);
    let listeningAt: number | null = null;
    const watch = setInterval(() => {
      void tcpOpen(stack.ports.grpc).then((open) => {
        if (open && listeningAt === null) listeningAt = Date.now();
      });
    }, 100);
    try {
      const readyAt = await l.waitFor(/Temporal: dev server ready/, 200_000);
      await l.waitFor(/Floyo Autonomous Engine is running/, 120_000);
      // The demo's mail goes over SMTP to the Mailpit it started, whose UI is printed with the other URLs.
      const mailUi = /Mail UI +(http:\/\/127\.0\.0\.1:\d+)/.exec(l.output())?.[1];
      expect(mailUi, l.output()).toBeDefined();
      expect((await fetch(`${mailUi}/api/v1/info`)).status).toBe(200);
      expect(l.output()).toContain('messages through smtp');
      expect(l.output()).toContain('Building the Temporal CLI');
      expect(l.output()).toMatch(/Temporal CLI built in \d+s/);
      expect(l.output()).toContain(`Temporal: dev server ready at 127.0.0.1:${stack.ports.grpc}`);
      expect(listeningAt).not.toBeNull();
      // The old probe saw the server 10–90 s after it listened; a fresh probe sees it at once.
      expect(readyAt - listeningAt!).toBeLessThan(6_000);
      expect(fs.existsSync(path.join(stack.dir, 'cache', 'floyo', 'temporal-cli', 'v1.5.1', 'bin', 'temporal'))).toBe(
        true,
      );
    } finally {
      clearInterval(watch);
    }
  }, 330_000);

  it('stops api, worker, Temporal and PostgreSQL in that order on Ctrl-C, and PostgreSQL shuts down cleanly', async () => {
    const l = launches[0]!;
    l.interrupt();
    expect(await l.exit).toBe(0);
    const lines = linesOf(l);
    const order = [
      'Stopping…',
      'Api: stopped',
      'Worker: stopped',
      'Mailpit: stopped',
      'Temporal dev server: stopped',
      'PostgreSQL: stopped',
      'Stopped.',
    ].map((line) => lines.indexOf(line));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const port of [stack.ports.grpc, stack.ports.pg, stack.ports.api]) expect(await tcpOpen(port)).toBe(false);
    const log = pgLog();
    expect(log).toContain('received fast shutdown request');
    expect(log.trimEnd().split('\n').at(-1)).toMatch(/database system is shut down/);
  }, 120_000);

  it('starts again without a build or any PostgreSQL recovery, and stops again', async () => {
    const before = pgLog().length;
    const l = launch(stack);
    launches.push(l);
    await l.waitFor(/Floyo Autonomous Engine is running/, 150_000);
    expect(l.output()).not.toContain('Building the Temporal CLI');
    expect(l.output()).toContain('Schema app holds 200 users: keeping them');
    const second = pgLog().slice(before);
    expect(second).toContain('database system was shut down at');
    expect(second).not.toMatch(RECOVERY);
    l.interrupt();
    expect(await l.exit).toBe(0);
    expect(linesOf(l)).toContain('Stopped.');
  }, 240_000);

  it('stops what has started so far on a Ctrl-C during the CLI build', async () => {
    const early = await privateStack('start-early');
    early.env.PATH = stack.env.PATH; // with the stand-in go
    const l = launch(early);
    try {
      await l.waitFor(/Building the Temporal CLI/, 60_000);
      l.interrupt();
      expect(await l.exit).toBe(0);
      const lines = linesOf(l);
      expect(lines.indexOf('PostgreSQL: stopped')).toBeGreaterThan(lines.indexOf('Stopping…'));
      expect(lines).toContain('Stopped.');
      expect(await tcpOpen(early.ports.pg)).toBe(false);
      expect(fs.existsSync(path.join(early.dir, 'cache', 'floyo', 'temporal-cli', 'v1.5.1', 'bin'))).toBe(false);
    } finally {
      killStack(early, [l]);
    }
  }, 120_000);

  it('stops the PostgreSQL it started when the dev server cannot start, and says why', async () => {
    const failing = await privateStack('start-fail');
    failing.env.TEMPORAL_CLI = binary;
    // Something that is not Temporal holds the gRPC port: the probe fails and the dev server cannot bind.
    const squatter = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => squatter.listen(failing.ports.grpc, '127.0.0.1', resolve));
    const l = launch(failing);
    try {
      expect(await l.exit).toBe(1);
      const out = l.output();
      expect(out).toMatch(/Failed: The Temporal dev server exited with code \d+ at start/);
      expect(out).toContain('Last lines of');
      expect(out).toContain(`Is port ${failing.ports.grpc}`);
      const lines = linesOf(l);
      expect(lines.indexOf('PostgreSQL: stopped')).toBeGreaterThan(lines.findIndex((s) => s.startsWith('Failed:')));
      expect(lines).toContain('Stopped.');
      expect(await tcpOpen(failing.ports.pg)).toBe(false);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
      killStack(failing, [l]);
    }
  }, 180_000);
});
