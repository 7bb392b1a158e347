// API keys over HTTP (admin): a created key works at once with its role and is shown only once; the
// list never carries keys or hashes; a revoked key is refused; an admin cannot revoke its own key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../db/repos/api-keys';
import { problemOf, setupE2E, type E2E } from './harness';

let e: E2E;
beforeAll(async () => {
  e = await setupE2E('keys');
});
afterAll(async () => {
  await e?.close();
});

describe('/api/keys', () => {
  it('creates a key that works with its role, stores only its hash, and revokes it', async () => {
    const created = await e.app.inject({
      method: 'POST',
      url: '/api/keys',
      headers: e.as('admin'),
      payload: { name: 'ci-bot', role: 'operator' },
    });
    expect(created.statusCode).toBe(201);
    const { key, id, role, name } = created.json();
    expect({ role, name }).toEqual({ role: 'operator', name: 'ci-bot' });
    const row = await e.t.db('engine.api_keys').where({ id }).first();
    expect(row.key_hash).toBe(hashApiKey(key));
    expect(JSON.stringify(row)).not.toContain(key);

    const bearer = { authorization: `Bearer ${key}` };
    expect((await e.app.inject({ method: 'GET', url: '/api/autonomous/cycles', headers: bearer })).statusCode).toBe(
      200,
    );
    expect(problemOf(await e.app.inject({ method: 'GET', url: '/api/keys', headers: bearer })).status).toBe(403);

    const list = (await e.app.inject({ method: 'GET', url: '/api/keys', headers: e.as('admin') })).json();
    expect(list.items.find((k: { id: number }) => k.id === id)).toEqual({
      id,
      name: 'ci-bot',
      role: 'operator',
      createdAt: expect.any(String),
      revokedAt: null,
    });
    expect(JSON.stringify(list)).not.toContain(key);

    const revoked = await e.app.inject({ method: 'DELETE', url: `/api/keys/${id}`, headers: e.as('admin') });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revokedAt).toEqual(expect.any(String));
    expect(
      problemOf(await e.app.inject({ method: 'GET', url: '/api/autonomous/cycles', headers: bearer })).status,
    ).toBe(401);
    const audit = await e.t
      .db('engine.audit_log')
      .whereIn('event', ['api_key.created', 'api_key.revoked'])
      .where({ target: `api_key:${id}` })
      .orderBy('id');
    expect(audit.map((a: { event: string; actor: string }) => [a.event, a.actor])).toEqual([
      ['api_key.created', 'bootstrap-admin'],
      ['api_key.revoked', 'bootstrap-admin'],
    ]);
    const withRevoked = (
      await e.app.inject({ method: 'GET', url: '/api/keys?includeRevoked=true', headers: e.as('admin') })
    ).json();
    expect(withRevoked.items.some((k: { id: number }) => k.id === id)).toBe(true);
  });

  it("refuses to revoke the caller's own key, unknown ids and bad roles", async () => {
    const me = (await e.app.inject({ method: 'GET', url: '/api/keys', headers: e.as('admin') }))
      .json()
      .items.find((k: { name: string }) => k.name === 'bootstrap-admin');
    expect(
      problemOf(await e.app.inject({ method: 'DELETE', url: `/api/keys/${me.id}`, headers: e.as('admin') })).status,
    ).toBe(409);
    expect(
      problemOf(await e.app.inject({ method: 'DELETE', url: '/api/keys/987654', headers: e.as('admin') })).status,
    ).toBe(404);
    const bad = problemOf(
      await e.app.inject({
        method: 'POST',
        url: '/api/keys',
        headers: e.as('admin'),
        payload: { name: 'x', role: 'root' },
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.errors?.[0]?.path).toBe('role');
  });
});
