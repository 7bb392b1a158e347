// Access (docs/safety.md): API keys by bearer token or x-api-key, hashed at rest, roles viewer <
// operator < admin; /health, /metrics and /docs are public.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { createApiKey, hashApiKey, revokeApiKey } from '../../db/repos/api-keys';
import { problemOf, setupE2E, type E2E } from './harness';

let e: E2E;
beforeAll(async () => {
  e = await setupE2E('auth');
});
afterAll(async () => {
  await e?.close();
});

const run = (headers: Record<string, string>, payload: unknown = {}) =>
  e.app.inject({ method: 'POST', url: '/api/autonomous/run-cycle', headers, payload: payload as object });

describe('authentication', () => {
  it('answers 401 with a problem and WWW-Authenticate when no key is sent', async () => {
    const res = await e.app.inject({ method: 'GET', url: '/api/autonomous/cycles' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="floyo-engine"');
    const p = problemOf(res);
    expect(p).toMatchObject({ status: 401, type: 'urn:floyo:problem:unauthorized' });
    expect(p.detail).toContain('Authorization: Bearer <key>');
  });

  it('authenticates before validating: a bad body without a key is 401, not 400', async () => {
    const res = await run({}, { phases: 'nope' });
    expect(res.statusCode).toBe(401);
  });

  it('answers 401 for an unknown key and for a revoked key', async () => {
    expect(
      (
        await e.app.inject({
          method: 'GET',
          url: '/api/autonomous/cycles',
          headers: { authorization: 'Bearer not-a-key' },
        })
      ).statusCode,
    ).toBe(401);
    const { key, principal } = await createApiKey(e.t.db, 'soon-revoked', 'viewer');
    expect(
      (await e.app.inject({ method: 'GET', url: '/api/autonomous/cycles', headers: { 'x-api-key': key } })).statusCode,
    ).toBe(200);
    // Revoked straight in PostgreSQL: refused once the change notification reaches the api (milliseconds).
    await revokeApiKey(e.t.db, principal.id);
    const call = () => e.app.inject({ method: 'GET', url: '/api/autonomous/cycles', headers: { 'x-api-key': key } });
    await expect.poll(async () => (await call()).statusCode, { timeout: 5000, interval: 20 }).toBe(401);
    const res = await call();
    expect(res.statusCode).toBe(401);
    expect(problemOf(res).detail).toBe('Unknown or revoked API key.');
  });

  it('accepts the key as a bearer token (any case) or as x-api-key', async () => {
    for (const headers of [
      { authorization: `Bearer ${e.keys.viewer}` },
      { authorization: `bearer ${e.keys.viewer}` },
      { 'x-api-key': e.keys.viewer },
    ]) {
      expect((await e.app.inject({ method: 'GET', url: '/api/autonomous/cycles', headers })).statusCode).toBe(200);
    }
  });

  it('stores only the SHA-256 hash of keys, including the bootstrap admin key', async () => {
    const rows = await e.t.db('engine.api_keys').select('name', 'role', 'key_hash').orderBy('id');
    expect(rows.map((r) => [r.name, r.role])).toEqual([
      ['bootstrap-admin', 'admin'],
      ['vera-viewer', 'viewer'],
      ['oscar-operator', 'operator'],
      ['soon-revoked', 'viewer'],
    ]);
    expect(rows[0]!.key_hash).toBe(hashApiKey(e.keys.admin));
    expect(JSON.stringify(rows)).not.toContain(e.keys.admin);
  });

  it('re-provisions the bootstrap admin key idempotently, even after it was revoked', async () => {
    const row = await e.t
      .db('engine.api_keys')
      .where({ key_hash: hashApiKey(e.keys.admin) })
      .first();
    await revokeApiKey(e.t.db, Number(row.id));
    const again = await buildApp({
      db: e.t.db,
      temporal: { client: e.client, namespace: e.namespace, taskQueue: e.taskQueue },
      bootstrapAdminKey: e.keys.admin,
    });
    await again.ready();
    try {
      const res = await again.inject({ method: 'GET', url: '/api/autonomous/cycles', headers: e.as('admin') });
      expect(res.statusCode).toBe(200);
      expect(await e.t.db('engine.api_keys').where({ name: 'bootstrap-admin' }).count({ n: '*' }).first()).toEqual({
        n: 1,
      });
    } finally {
      await again.close();
    }
  });

  it('refuses to start with a bootstrap admin key that is too short', async () => {
    await expect(
      buildApp({
        db: e.t.db,
        temporal: { client: e.client, namespace: e.namespace, taskQueue: e.taskQueue },
        bootstrapAdminKey: 'short',
      }),
    ).rejects.toThrow('ENGINE_BOOTSTRAP_ADMIN_KEY must be at least 16 characters long');
  });

  it('serves /health, /metrics and /docs without a key', async () => {
    expect((await e.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await e.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    expect((await e.app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
    const ui = await e.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
  });
});

describe('roles', () => {
  it('lets a viewer read but not run a cycle (403)', async () => {
    expect(
      (await e.app.inject({ method: 'GET', url: '/api/autonomous/approvals', headers: e.as('viewer') })).statusCode,
    ).toBe(200);
    const res = await run(e.as('viewer'));
    expect(res.statusCode).toBe(403);
    expect(problemOf(res).detail).toBe("This requires the operator role; the key 'vera-viewer' has the viewer role.");
  });

  it('forbids a viewer every operator route, before looking at the body', async () => {
    for (const url of [
      '/api/autonomous/self-heal',
      '/api/autonomous/auto-remediate',
      '/api/autonomous/approvals/a-1/approve',
      '/api/autonomous/approvals/a-1/reject',
    ]) {
      const res = await e.app.inject({ method: 'POST', url, headers: e.as('viewer'), payload: { bogus: true } });
      expect(res.statusCode, url).toBe(403);
    }
  });

  it('lets an operator run dry but not live cycles (403), through either spelling', async () => {
    for (const payload of [{ dryRun: false }, { dry_run: false }]) {
      const res = await run(e.as('operator'), payload);
      expect(res.statusCode).toBe(403);
      expect(problemOf(res).detail).toBe(
        "A live cycle (dryRun: false) requires the admin role; the key 'oscar-operator' has the operator role.",
      );
    }
    const live = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/self-heal',
      headers: e.as('operator'),
      payload: { dryRun: false },
    });
    expect(live.statusCode).toBe(403);
  });

  it('lets an admin run a live cycle (202)', async () => {
    const res = await run(e.as('admin'), { dryRun: false, phases: ['analyze'] });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    e.track(body.cycleId);
    expect(body.dryRun).toBe(false);
  });

  it('keeps schedule operations and configuration changes to admins', async () => {
    for (const [method, url, payload] of [
      ['POST', '/api/autonomous/schedules/floyo-monitor/pause', {}],
      ['POST', '/api/autonomous/schedules/floyo-monitor/trigger', {}],
      ['PUT', '/api/autonomous/thresholds/gate.remediation', { value: 0.9, reason: 'stricter' }],
      ['PUT', '/api/autonomous/policies/live_mode', { value: { enabled: true }, reason: 'go live' }],
    ] as const) {
      const res = await e.app.inject({ method, url, headers: e.as('operator'), payload });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(problemOf(res).detail).toContain('requires the admin role');
    }
  });
});
