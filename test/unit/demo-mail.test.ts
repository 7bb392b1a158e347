// npm start's demo mail fallback (scripts/lib/demo-mail.ts): when Mailpit cannot be built, the demo keeps the
// outbox and says why in exactly one line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GoMissingError } from '../../scripts/lib/go-tool';
import { startDemoMail } from '../../scripts/lib/demo-mail';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'floyo-demo-mail-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function fallback(error: Error): Promise<{ result: unknown; lines: string[] }> {
  const lines: string[] = [];
  const result = await startDemoMail(Promise.resolve(error), { log: (m) => lines.push(m), dataDir });
  return { result, lines };
}

describe('demo mail fallback', () => {
  it('without Go: no Mailpit, the outbox, one line saying so', async () => {
    const { result, lines } = await fallback(new GoMissingError('mailpit v1.33.1 is not built and Go is not on PATH'));
    expect(result).toBeNull();
    expect(lines).toEqual([
      'Mail: Go is not installed, so Mailpit cannot be built; messages stay in engine.outbox (set MESSENGER to choose a messenger)',
    ]);
  });

  it('a failed build: the outbox, one line with the cause', async () => {
    const { result, lines } = await fallback(
      new Error('go install github.com/axllent/mailpit@v1.33.1 failed (exit 1)'),
    );
    expect(result).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Mail: Mailpit could not be built \(go install .* failed \(exit 1\)\); messages stay in engine\.outbox/,
    );
  });

  it('a binary that does not start: the outbox, one line', async () => {
    const { result, lines } = await (async () => {
      const out: string[] = [];
      const r = await startDemoMail(Promise.resolve(path.join(dataDir, 'no-such-mailpit')), {
        log: (m) => out.push(m),
        dataDir,
      });
      return { result: r, lines: out };
    })();
    expect(result).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Mail: Mailpit did not start \(.*\); messages stay in engine\.outbox/);
  });
});
