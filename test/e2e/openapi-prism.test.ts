// Every GET route of the OpenAPI document through Stoplight Prism's validating proxy (--errors) to a
// listening api with seeded data and a completed dry-run cycle: no response may violate the document.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../scripts/seed/generate';
import { createTestDb, type TestDb } from '../helpers/db';
import { startPrismProxy, type PrismProxy } from '../helpers/prism';
import { startTestWorker, type TestWorker } from '../helpers/temporal';
import { unsubscribeToken } from '../../activities/effects/unsubscribe-token';
import { createChangeFreeze } from '../../db/repos/change-freezes';
import { E2E_UNSUBSCRIBE_SECRET, setupE2E, type E2E } from './harness';

interface OpenApiDoc {
  paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>>;
}

let t: TestDb;
let w: TestWorker;
let e: E2E;
let prism: PrismProxy;
let doc: OpenApiDoc;
let tmpDir: string;
const params: Record<string, string> = {};

async function until<T>(what: string, fn: () => Promise<T | null | undefined>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  t = await createTestDb('e2e-openapi-prism');
  await seedDemoData(t.db, { users: 600, seed: 7, now: new Date() });
  w = await startTestWorker(t.db, { label: 'e2e-prism' });
  e = await setupE2E('openapi-prism', { db: t, taskQueue: w.taskQueue });
  await e.app.listen({ host: '127.0.0.1', port: 0 });
  const upstream = `http://127.0.0.1:${(e.app.server.address() as AddressInfo).port}`;

  const started = await e.app.inject({
    method: 'POST',
    url: '/api/autonomous/run-cycle',
    headers: e.as('operator'),
    payload: {},
  });
  expect(started.statusCode, started.body).toBe(202);
  const cycleId: string = started.json().cycleId;
  e.track(cycleId);
  const done = await until('the dry-run cycle to finish', async () => {
    const c = (await e.app.inject({ url: `/api/autonomous/cycles/${cycleId}`, headers: e.as('viewer') })).json();
    return c.status === 'running' ? null : c;
  });
  expect(done.status).toBe('completed');

  // A change freeze in force (every hour, for an hour), so GET /api/freezes shows one; after the cycle, which it would not block anyway (dry run).
  await createChangeFreeze(
    t.db,
    {
      kind: 'recurring',
      name: 'prism',
      reason: 'an active freeze',
      timezone: 'UTC',
      cron: '0 * * * *',
      durationMinutes: 60,
    },
    'test',
  );

  // Real ids for the path parameters, from what the cycle wrote.
  params.cycleId = cycleId;
  params.findingId = String((await t.db('engine.findings').orderBy('id').first('id')).id);
  params.actionId = String((await t.db('engine.actions').where({ cycle_id: cycleId }).orderBy('id').first('id')).id);
  const campaign = await t.db('engine.campaigns').where({ cycle_id: cycleId }).orderBy('id').first('id');
  expect(campaign, 'the dry run planned a campaign').toBeDefined();
  params.campaignId = String(campaign.id);
  params.name = 'kill_switch';
  params.keyId = String((await t.db('engine.api_keys').orderBy('id').first('id')).id);

  doc = (await e.app.inject({ method: 'GET', url: '/docs/json' })).json() as OpenApiDoc;
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'floyo-prism-'));
  const docPath = path.join(tmpDir, 'openapi.json');
  fs.writeFileSync(docPath, JSON.stringify(doc));
  prism = await startPrismProxy(docPath, upstream);
}, 120_000);

afterAll(async () => {
  await prism?.stop();
  await w?.shutdown();
  await e?.close(); // also drops the database
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
});

/** A concrete URL for a path template; thresholds and policies have different names. */
function urlOf(template: string): string {
  // The unsubscribe page needs a link's signed token.
  if (template === '/api/unsubscribe')
    return `${template}?token=${unsubscribeToken(E2E_UNSUBSCRIBE_SECRET, 'prism@example.com')}`;
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    if (name === 'name' && template.includes('/thresholds/')) return 'gate.remediation';
    const value = params[name];
    if (value === undefined) throw new Error(`no value for path parameter {${name}} of ${template}: add one`);
    return encodeURIComponent(value);
  });
}

describe('OpenAPI document vs responses (Prism validating proxy)', () => {
  it('has no tuples (prefixItems), which Prism and client generators reject, in any schema', () => {
    expect(JSON.stringify(doc)).not.toContain('prefixItems');
  });

  it('every GET route answers without a violation', async () => {
    const templates = Object.entries(doc.paths)
      .filter(([, ops]) => ops.get)
      .map(([template]) => template);
    expect(templates.length).toBeGreaterThan(25);
    const failures: string[] = [];
    for (const template of templates) {
      const url = urlOf(template);
      const role = template.startsWith('/api/keys') ? 'admin' : 'viewer';
      const res = await fetch(prism.url + url, { headers: e.as(role) });
      const body = await res.text();
      const violations = res.headers.get('sl-violations');
      if (res.status !== 200 || violations) {
        failures.push(`${url}: ${res.status} ${violations ?? ''} ${body.slice(0, 2000)}`);
      }
    }
    expect(failures, `${failures.join('\n\n')}\n\nPrism log:\n${prism.output().slice(-4000)}`).toEqual([]);
  }, 60_000);
});
