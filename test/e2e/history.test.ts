// The dashboard's read-only api additions over HTTP: the score/KPI trend over recent cycles, one cycle's
// findings and effects, /api/session, and the static dashboard at `/` next to the api's own routes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../api/app';
import { insertAction, insertCycle, insertFinding, insertKpis, minutes, T0 } from './fixtures';
import { problemOf, setupE2E, type E2E } from './harness';

let e: E2E;
let findingId: number;
beforeAll(async () => {
  e = await setupE2E('history');
  await insertCycle(e.t.db, { id: 'c-h1', startedAt: T0, health: 60, alignment: 0.8 });
  await insertKpis(e.t.db, 'c-h1', T0);
  await insertCycle(e.t.db, { id: 'c-h2', startedAt: minutes(240), health: 72, alignment: 0.9 });
  await insertKpis(e.t.db, 'c-h2', minutes(240));
  await e.t.db('engine.kpi_snapshots').where({ cycle_id: 'c-h2', name: 'activation_rate' }).update({ value: 0.35 });
  await insertCycle(e.t.db, { id: 'c-h3', startedAt: minutes(480), kind: 'monitor', health: null }); // measured nothing
  findingId = await insertFinding(e.t.db, {
    fingerprint: 'dq:emails',
    category: 'issue',
    severity: 'medium',
    cycleId: 'c-h2',
  });
  const critical = await insertFinding(e.t.db, {
    fingerprint: 'billing:failed',
    category: 'issue',
    severity: 'critical',
    cycleId: 'c-h2',
  });
  await e.t.db('engine.cycle_findings').insert([
    { cycle_id: 'c-h2', finding_id: findingId, evidence: JSON.stringify({ count: 7 }) },
    { cycle_id: 'c-h2', finding_id: critical, evidence: JSON.stringify({ count: 2 }) },
  ]);
  await insertAction(e.t.db, { id: 'act-h1', cycleId: 'c-h2', mode: 'auto', status: 'executed' });
  await e.t.db('engine.effects').insert({
    idempotency_key: 'k-h1',
    action_id: 'act-h1',
    action_type: 'retry_payment',
    port: 'payments',
    target: 'payment:1',
    status: 'succeeded',
    request: JSON.stringify({ amountCents: 2900 }),
    response: JSON.stringify({ ok: true }),
    created_at: minutes(241),
    completed_at: minutes(242),
  });
});
afterAll(async () => {
  await e?.close();
});

const get = (url: string, role: 'viewer' | 'operator' | 'admin' = 'viewer') =>
  e.app.inject({ method: 'GET', url, headers: e.as(role) });

describe('GET /api/autonomous/history/trend', () => {
  it('returns the cycles that measured something, oldest first, with their scores and KPI values', async () => {
    const res = await get('/api/autonomous/history/trend');
    expect(res.statusCode).toBe(200);
    const { items } = res.json();
    expect(items.map((p: { cycleId: string }) => p.cycleId)).toEqual(['c-h1', 'c-h2']);
    expect(items[1]).toMatchObject({
      cycleId: 'c-h2',
      kind: 'cycle',
      healthScore: 72,
      alignmentScore: 0.9,
      startedAt: minutes(240).toISOString(),
    });
    expect(items[1].kpis.find((k: { name: string }) => k.name === 'activation_rate')).toEqual({
      name: 'activation_rate',
      value: 0.35,
      target: 0.4,
      status: 'below_target',
    });
    expect(items[0].kpis.find((k: { name: string }) => k.name === 'signup_to_activation')).toMatchObject({
      value: null,
      status: 'insufficient_data',
    });
  });

  it('keeps the newest `limit` cycles', async () => {
    const { items } = (await get('/api/autonomous/history/trend?limit=1')).json();
    expect(items.map((p: { cycleId: string }) => p.cycleId)).toEqual(['c-h2']);
  });

  it('rejects a bad limit or an unknown kind with a 400 problem, and a missing key with 401', async () => {
    expect(problemOf(await get('/api/autonomous/history/trend?limit=0')).status).toBe(400);
    expect(problemOf(await get('/api/autonomous/history/trend?kind=nope')).status).toBe(400);
    expect(problemOf(await e.app.inject({ method: 'GET', url: '/api/autonomous/history/trend' })).status).toBe(401);
  });
});

describe('GET /api/autonomous/history/cycles/:cycleId', () => {
  it("returns the cycle's findings, most severe first with the evidence that cycle saw, and its effects", async () => {
    const res = await get('/api/autonomous/history/cycles/c-h2');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.findings.map((f: { fingerprint: string }) => f.fingerprint)).toEqual(['billing:failed', 'dq:emails']);
    expect(body.findings[1]).toMatchObject({
      id: findingId,
      severity: 'medium',
      cycleEvidence: { count: 7 },
      evidence: { count: 3 },
    });
    expect(body.effects).toEqual([
      expect.objectContaining({
        actionId: 'act-h1',
        actionType: 'retry_payment',
        port: 'payments',
        status: 'succeeded',
        idempotencyKey: 'k-h1',
        request: { amountCents: 2900 },
        completedAt: minutes(242).toISOString(),
      }),
    ]);
  });

  it('returns empty lists for a cycle that found and did nothing', async () => {
    expect((await get('/api/autonomous/history/cycles/c-h3')).json()).toEqual({
      cycleId: 'c-h3',
      findings: [],
      effects: [],
    });
  });

  it('answers 404 for an unknown cycle and 400 for a malformed id', async () => {
    expect(problemOf(await get('/api/autonomous/history/cycles/c-none')).status).toBe(404);
    expect(problemOf(await get('/api/autonomous/history/cycles/bad%20id')).status).toBe(400);
  });
});

describe('GET /api/session', () => {
  it('names the key and its role, for any valid key', async () => {
    expect((await get('/api/session', 'viewer')).json()).toEqual({ name: 'vera-viewer', role: 'viewer' });
    expect((await get('/api/session', 'admin')).json()).toMatchObject({ role: 'admin' });
    expect(
      problemOf(await e.app.inject({ method: 'GET', url: '/api/session', headers: { authorization: 'Bearer nope' } }))
        .status,
    ).toBe(401);
  });
});

describe('the dashboard at /', () => {
  let dir: string;
  let app: App;
  beforeAll(async () => {
    // A stand-in build, so this test does not depend on dashboard/dist.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floyo-dash-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>dash</title><div id="root"></div>');
    fs.writeFileSync(path.join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
    app = await buildApp({
      db: e.t.db,
      temporal: { client: e.client, namespace: e.namespace, taskQueue: e.taskQueue },
      dashboardDir: dir,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and hashed assets with a long cache', async () => {
    const index = await app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.body).toContain('<div id="root">');
    const asset = await app.inject({ method: 'GET', url: '/assets/app-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it("falls back to index.html for the app's own paths when the browser asks for HTML", async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/history?cycle=c-h2',
      headers: { accept: 'text/html,application/xhtml+xml' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<div id="root">');
  });

  it("leaves the api's routes and problems alone", async () => {
    expect((await app.inject({ method: 'GET', url: '/health' })).headers['content-type']).toMatch(/json/);
    expect((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    // Unknown api paths stay problem+json 404s, even for a browser.
    const unknownApi = await app.inject({ method: 'GET', url: '/api/nope', headers: { accept: 'text/html' } });
    expect(problemOf(unknownApi).status).toBe(404);
    expect(
      problemOf(
        await app.inject({
          method: 'GET',
          url: '/api/nope',
          headers: { accept: 'text/html', authorization: `Bearer ${e.keys.viewer}` },
        }),
      ).status,
    ).toBe(404);
    // Non-HTML requests for unknown paths are not answered with the app.
    expect(
      problemOf(await app.inject({ method: 'GET', url: '/nope.json', headers: { accept: 'application/json' } })).status,
    ).toBe(404);
    expect(
      problemOf(await app.inject({ method: 'POST', url: '/history', headers: { accept: 'text/html' } })).status,
    ).toBe(404);
  });

  it('says how to build the dashboard when it is not built', async () => {
    const bare = await buildApp({
      db: e.t.db,
      temporal: { client: e.client, namespace: e.namespace, taskQueue: e.taskQueue },
      dashboardDir: path.join(dir, 'missing'),
    });
    try {
      const res = await bare.inject({ method: 'GET', url: '/' });
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('npm run build:dashboard');
    } finally {
      await bare.close();
    }
  });
});
