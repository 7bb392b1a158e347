// The per-request log line (api/request-log.ts) through a real Fastify and pino: a read that went well is a
// debug line, written only when debug is on; a change is an info line with the method, url and status.
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { RequestLog } from '../../api/request-log';

async function linesAt(level: string, requests: Array<{ method: 'GET' | 'POST'; url: string }>) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const app = Fastify({ logger: { level, stream }, logController: new RequestLog() });
  app.get('/read', async () => ({ ok: true }));
  app.post('/change', async () => ({ ok: true }));
  for (const r of requests) await app.inject(r);
  await app.close();
  return lines.filter((l) => l.msg === 'request completed');
}

describe('request log', () => {
  it('writes a read at debug only, and a change at info with method, url and status', async () => {
    const calls = [
      { method: 'GET' as const, url: '/read' },
      { method: 'POST' as const, url: '/change' },
    ];
    const info = await linesAt('info', calls);
    expect(info).toEqual([expect.objectContaining({ level: 30, method: 'POST', url: '/change', statusCode: 200 })]);
    const debug = await linesAt('debug', calls);
    expect(debug.map((l) => [l.level, l.method])).toEqual([
      [20, 'GET'],
      [30, 'POST'],
    ]);
  });

  it('works with logging off (Fastify then hands out a logger without levels)', async () => {
    const app = Fastify({ logger: false, logController: new RequestLog() });
    app.get('/read', async () => ({ ok: true }));
    expect((await app.inject({ url: '/read' })).statusCode).toBe(200);
    await app.close();
  });
});
