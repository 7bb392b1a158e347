// The pinned Go-tool installer: where it caches, that a cached build is reused, and the one line without Go.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureGoTool, GoMissingError, goToolPath, type GoTool } from '../../scripts/lib/go-tool';

const TOOL: GoTool = {
  name: 'example-tool',
  module: 'example.com/tools/cmd/exampletool',
  version: 'v1.2.3',
  homepage: 'https://example.com/exampletool',
};

let cache: string;
const savedPath = process.env.PATH;

beforeEach(() => {
  cache = fs.mkdtempSync(path.join(os.tmpdir(), 'floyo-go-tool-'));
});
afterEach(() => {
  process.env.PATH = savedPath;
  fs.rmSync(cache, { recursive: true, force: true });
});

describe('go-tool installer', () => {
  it('caches under <cache home>/floyo/<tool>/<version>/bin, named after the module path', () => {
    expect(goToolPath(TOOL, cache)).toBe(path.join(cache, 'floyo', 'example-tool', 'v1.2.3', 'bin', 'exampletool'));
    expect(goToolPath({ ...TOOL, binary: 'other' }, cache)).toBe(
      path.join(cache, 'floyo', 'example-tool', 'v1.2.3', 'bin', 'other'),
    );
  });

  it('reuses a cached build without calling Go', async () => {
    const target = goToolPath(TOOL, cache);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, '#!/bin/sh\n', { mode: 0o755 });
    process.env.PATH = '/nonexistent';
    const logs: string[] = [];
    expect(await ensureGoTool(TOOL, (m) => logs.push(m), cache)).toBe(target);
    expect(logs).toEqual([]);
  });

  it('without Go and without a build, fails with one line saying how to get it', async () => {
    process.env.PATH = '/nonexistent';
    const err = await ensureGoTool(TOOL, () => undefined, cache).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GoMissingError);
    const message = (err as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain('example-tool v1.2.3 is not built and Go is not on PATH: install Go (https://go.dev/dl)');
    expect(message).toContain(goToolPath(TOOL, cache));
  });
});
