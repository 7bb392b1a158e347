// The read cache and the key cache against a real PostgreSQL: answers come from memory only while the
// change feed is live, every write to an engine table (from any connection) drops them, a revoked key stops
// working on the next request, and with the feed down every request goes to the database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { setupE2E, type E2E } from './harness';
import { insertCycle, insertFinding, insertKpis, insertPhase, T0 } from './fixtures';

let e: E2E;

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Until no notification has arrived for a while: the writes so far have all been seen. */
async function quiet(): Promise<void> {
  for (;;) {
    const gen = e.app.engineChanges.generation;
    await new Promise((r) => setTimeout(r, 200));
    if (gen === e.app.engineChanges.generation) return;
  }
}

const get = (url: string, role: 'viewer' | 'admin' = 'viewer') => e.app.inject({ url, headers: e.as(role) });

beforeAll(async () => {
  e = await setupE2E('read-cache');
  await insertCycle(e.t.db, { id: 'cyc-cache-1', startedAt: T0 });
  await insertPhase(e.t.db, 'cyc-cache-1', 'analyze', 'completed', T0, T0);
  await insertKpis(e.t.db, 'cyc-cache-1', T0);
  await until('the change feed', () => e.app.engineChanges.live);
});
afterAll(async () => e?.close());

describe('read cache', () => {
  it('answers a repeated read from memory, byte for byte, after the role check', async () => {
    await insertFinding(e.t.db, { fingerprint: 'f:first', category: 'issue', cycleId: 'cyc-cache-1' });
    await quiet();
    const first = await get('/api/autonomous/findings');
    const second = await get('/api/autonomous/findings');
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-cache']).toBe('miss');
    expect(second.headers['x-cache']).toBe('hit');
    expect(second.body).toBe(first.body);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    const reload = await e.app.inject({
      url: '/api/autonomous/findings',
      headers: { ...e.as('viewer'), 'cache-control': 'no-cache' },
    });
    expect(reload.headers['x-cache']).toBe('miss');
    expect(reload.body).toBe(first.body);
    // Another query string is another answer.
    expect((await get('/api/autonomous/findings?limit=1')).headers['x-cache']).toBe('miss');
    // The cache never answers a caller the route refuses.
    const anonymous = await e.app.inject({ url: '/api/autonomous/findings' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('answers a hit with the headers of a miss, and only within the rate limit of the key', async () => {
    const app = await buildApp({
      db: e.t.db,
      temporal: { client: e.client, namespace: e.namespace, taskQueue: e.taskQueue },
      rateLimit: { max: 3, windowMs: 60_000 },
    });
    try {
      await until('the change feed of the second app', () => app.engineChanges.live);
      await quiet();
      const call = (requestId: string) =>
        app.inject({ url: '/api/autonomous/findings', headers: { ...e.as('viewer'), 'x-request-id': requestId } });
      const miss = await call('read-cache-miss-1');
      const hit = await call('read-cache-hit-1');
      expect([miss.headers['x-cache'], hit.headers['x-cache']]).toEqual(['miss', 'hit']);
      const { 'x-cache': _m, 'x-request-id': missId, date: _d1, ...missHeaders } = miss.headers;
      const { 'x-cache': _h, 'x-request-id': hitId, date: _d2, ...hitHeaders } = hit.headers;
      expect([missId, hitId]).toEqual(['read-cache-miss-1', 'read-cache-hit-1']);
      expect({ ...hitHeaders, 'x-ratelimit-remaining': '' }).toEqual({ ...missHeaders, 'x-ratelimit-remaining': '' });
      expect(hit.headers['x-ratelimit-remaining']).toBe('1');
      expect(hit.headers['content-security-policy']).toContain("default-src 'self'");
      expect((await call('read-cache-hit-2')).headers['x-cache']).toBe('hit');
      const limited = await call('read-cache-limited');
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.headers['x-cache']).toBeUndefined();
      expect(limited.body).not.toBe(miss.body);
    } finally {
      await app.close();
    }
  });

  it('drops what it holds after any change request through this api, before a notification could', async () => {
    await quiet();
    await get('/api/autonomous/findings');
    expect((await get('/api/autonomous/findings')).headers['x-cache']).toBe('hit');
    // Refused (only its audit line is written): the api drops the cache as it answers, not on a notification.
    const refused = await e.app.inject({
      method: 'PUT',
      url: '/api/autonomous/policies/kill_switch',
      headers: e.as('viewer'),
      payload: { value: { enabled: true }, reason: 'viewer tries' },
    });
    expect(refused.statusCode).toBe(403);
    expect((await get('/api/autonomous/findings')).headers['x-cache']).toBe('miss');
  });

  it('drops what it holds when another connection writes an engine table', async () => {
    await quiet();
    await get('/api/autonomous/findings');
    expect((await get('/api/autonomous/findings')).headers['x-cache']).toBe('hit');
    const gen = e.app.engineChanges.generation;
    await insertFinding(e.t.db, { fingerprint: 'f:second', category: 'issue', cycleId: 'cyc-cache-1' });
    await until('the insert notification', () => e.app.engineChanges.generation > gen);
    const after = await get('/api/autonomous/findings');
    expect(after.headers['x-cache']).toBe('miss');
    const fingerprints = (JSON.parse(after.body) as { items: Array<{ fingerprint: string }> }).items.map(
      (f) => f.fingerprint,
    );
    expect(fingerprints).toEqual(expect.arrayContaining(['f:first', 'f:second']));
  });

  it('serves system-state from memory and recomputes it after a cycle writes', async () => {
    await quiet();
    const first = await get('/api/autonomous/system-state');
    expect(first.statusCode).toBe(200);
    expect((await get('/api/autonomous/system-state')).headers['x-cache']).toBe('hit');
    const gen = e.app.engineChanges.generation;
    await e.t.db('engine.cycles').where({ id: 'cyc-cache-1' }).update({ health_score: 42 });
    await until('the update notification', () => e.app.engineChanges.generation > gen);
    const after = await get('/api/autonomous/system-state');
    expect(after.headers['x-cache']).toBe('miss');
    expect((JSON.parse(after.body) as { healthScore: number }).healthScore).toBe(42);
  });

  it('does not cache routes that ask Temporal or read platform data', async () => {
    const detail = await get('/api/autonomous/cycles/cyc-cache-1');
    expect(detail.statusCode).toBe(200);
    expect(detail.headers['x-cache']).toBeUndefined();
  });

  it('stops accepting a revoked key on the next request', async () => {
    const { createApiKey } = await import('../../db/repos/api-keys');
    const { key, principal } = await createApiKey(e.t.db, 'short-lived', 'viewer');
    const headers = { authorization: `Bearer ${key}` };
    expect((await e.app.inject({ url: '/api/session', headers })).statusCode).toBe(200);
    expect((await e.app.inject({ url: '/api/session', headers })).statusCode).toBe(200);
    const gen = e.app.engineChanges.generation;
    await e.t.db('engine.api_keys').where({ id: principal.id }).update({ revoked_at: new Date() });
    await until('the revocation notification', () => e.app.engineChanges.generation > gen);
    expect((await e.app.inject({ url: '/api/session', headers })).statusCode).toBe(401);
  });

  it('goes to the database while the change feed is down, and caches again once it is back', async () => {
    // Cut the listening connection from the server side, as a failover or a restart would.
    await e.t.db.raw(
      `select pg_terminate_backend(pid) from pg_stat_activity
        where application_name = 'floyo-api-changes' and datname = current_database()`,
    );
    await until('the feed to notice', () => !e.app.engineChanges.live);
    const during = await get('/api/autonomous/findings');
    expect(during.statusCode).toBe(200);
    expect(during.headers['x-cache']).toBe('bypass');
    await until('the feed to reconnect', () => e.app.engineChanges.live, 10_000);
    await quiet();
    await get('/api/autonomous/findings');
    expect((await get('/api/autonomous/findings')).headers['x-cache']).toBe('hit');
  });

  it('puts a trigger on every engine table, so no write goes unnoticed', async () => {
    const { rows } = await e.t.db.raw(
      `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'engine' and c.relkind in ('r', 'p')
          and not exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = 'notify_changed')`,
    );
    expect(rows).toEqual([]);
  });
});
