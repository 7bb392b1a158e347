// /health, /metrics and /docs (public), and how the api answers when PostgreSQL or Temporal is down:
// 503 problems, never 500s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../../api/app';
import knexFactory from 'knex';
import { problemOf, setupE2E, type E2E } from './harness';

let e: E2E;
beforeAll(async () => {
  e = await setupE2E('ops');
});
afterAll(async () => {
  await e?.close();
});

type Operation = {
  tags?: string[];
  summary?: string;
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  parameters?: Array<{ in: string; name: string }>;
};

describe('GET /health', () => {
  it('reports both dependencies reachable', async () => {
    const res = await e.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    const h = res.json();
    expect(h).toMatchObject({
      status: 'ok',
      namespace: e.namespace,
      taskQueue: e.taskQueue,
      checks: { database: { ok: true }, temporal: { ok: true } },
      // The suite's own settings: the embedded demo database, no alert channel, no Slack app.
      mode: { appSchemaReadOnly: false, alertChannels: [], slackApprovals: false },
    });
  });

  it('reports 503 degraded, and routes answer 503 problems, when Temporal is unreachable', async () => {
    const connection = Connection.lazy({ address: '127.0.0.1:1' });
    const app = await buildApp({
      db: e.t.db,
      temporal: { client: new Client({ connection, namespace: 'default' }), namespace: 'default', taskQueue: 'none' },
      bootstrapAdminKey: e.keys.admin,
    });
    try {
      const health = await app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(503);
      expect(health.json()).toMatchObject({
        status: 'degraded',
        checks: { database: { ok: true }, temporal: { ok: false } },
      });
      const run = await app.inject({
        method: 'POST',
        url: '/api/autonomous/run-cycle',
        headers: e.as('admin'),
        payload: {},
      });
      expect(run.statusCode).toBe(503);
      const p = problemOf(run);
      expect(p.type).toBe('urn:floyo:problem:dependency-unavailable');
      expect(p.detail).toMatch(/^Temporal (is unreachable|did not answer in time); try again shortly\.$/);
      expect(run.headers['retry-after']).toBe('5');
    } finally {
      await app.close();
      await connection.close();
    }
  }, 30_000);

  it('reports 503 degraded, and routes answer 503 problems, when PostgreSQL is unreachable', async () => {
    const quiet = () => undefined; // knex would print every failed connection attempt
    const deadDb = knexFactory({
      client: 'pg',
      connection: 'postgres://postgres:postgres@127.0.0.1:1/none',
      pool: { min: 0, max: 2 },
      log: { error: quiet, warn: quiet, debug: quiet, deprecate: quiet },
    });
    const app = await buildApp({
      db: deadDb,
      temporal: { client: e.client, namespace: e.namespace, taskQueue: e.taskQueue },
    });
    try {
      const health = await app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(503);
      expect(health.json()).toMatchObject({
        status: 'degraded',
        checks: { database: { ok: false }, temporal: { ok: true } },
      });
      const res = await app.inject({ method: 'GET', url: '/api/autonomous/cycles', headers: e.as('viewer') });
      expect(res.statusCode).toBe(503);
      expect(problemOf(res).detail).toBe('PostgreSQL is unreachable; try again shortly.');
      // Liveness does not depend on PostgreSQL; readiness does, and says when to retry; a scrape still answers.
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.headers['retry-after']).toBe('5');
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).toContain('floyo_engine_state_up 0');
    } finally {
      await app.close();
      await deadDb.destroy();
    }
  });
});

describe('GET /metrics', () => {
  it('exposes default metrics, request durations and the engine counters in Prometheus format', async () => {
    await e.app.inject({ method: 'GET', url: '/api/autonomous/cycles', headers: e.as('viewer') });
    const res = await e.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('# TYPE floyo_api_process_cpu_user_seconds_total counter');
    expect(res.body).toContain('# TYPE floyo_api_http_request_duration_seconds histogram');
    expect(res.body).toMatch(
      /floyo_api_http_request_duration_seconds_count\{method="GET",route="\/api\/autonomous\/cycles",status_code="200"\} 1/,
    );
    expect(res.body).toContain('# TYPE floyo_api_cycles_started_total counter');
    expect(res.body).toContain('# TYPE floyo_api_approvals_decided_total counter');
    expect(res.body).toContain('floyo_engine_state_up 1');
    expect(res.body).toContain('floyo_approval_queue_depth 0');
  });

  it('counts outbox messages by channel and delivery status', async () => {
    await e.t.db('engine.outbox').insert([
      { idempotency_key: 'ops-metrics-1', user_id: 1, template: 't', channel: 'smtp', status: 'delivered' },
      { idempotency_key: 'ops-metrics-2', user_id: 2, template: 't', channel: 'smtp', status: 'delivered' },
      { idempotency_key: 'ops-metrics-3', user_id: 3, template: 't', channel: 'smtp', status: 'bounced' },
      { idempotency_key: 'ops-metrics-4', user_id: 4, template: 't', channel: 'outbox' },
    ]);
    const res = await e.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toContain('# TYPE floyo_outbox_messages gauge');
    expect(res.body).toContain('floyo_outbox_messages{channel="smtp",status="delivered"} 2');
    expect(res.body).toContain('floyo_outbox_messages{channel="smtp",status="bounced"} 1');
    expect(res.body).toContain('floyo_outbox_messages{channel="outbox",status="queued"} 1');
  });
});

describe('GET /docs/json', () => {
  it('is an OpenAPI 3.1 document listing every route with its schemas, tags and security', async () => {
    const res = await e.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
      security: unknown[];
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Floyo Autonomous Engine API', version: '1.0.0' });
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKeyHeader', 'bearerAuth']);
    expect(doc.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);

    const expected = [
      'post /api/autonomous/run-cycle',
      'post /api/autonomous/auto-remediate',
      'post /api/autonomous/self-optimize',
      'post /api/autonomous/self-heal',
      'post /api/autonomous/monitor-and-respond',
      'get /api/autonomous/system-state',
      'get /api/autonomous/cycles',
      'get /api/autonomous/cycles/{cycleId}',
      'get /api/autonomous/cycles/{cycleId}/progress',
      'get /api/autonomous/cycles/{cycleId}/actions',
      'get /api/autonomous/cycles/{cycleId}/audit',
      'get /api/autonomous/decisions',
      'get /api/autonomous/learning',
      'get /api/autonomous/autonomy',
      'put /api/autonomous/autonomy/{actionType}',
      'get /api/autonomous/recovered-revenue',
      'get /api/autonomous/optimization-opportunities',
      'get /api/autonomous/approvals',
      'post /api/autonomous/approvals/decide',
      'post /api/autonomous/approvals/{actionId}/approve',
      'post /api/autonomous/approvals/{actionId}/reject',
      'get /api/autonomous/campaigns',
      'get /api/autonomous/campaigns/{campaignId}',
      'post /api/autonomous/campaigns/{campaignId}/approve',
      'post /api/autonomous/campaigns/{campaignId}/reject',
      'post /api/autonomous/campaigns/{campaignId}/pause',
      'post /api/autonomous/campaigns/{campaignId}/resume',
      'post /api/autonomous/campaigns/{campaignId}/cancel',
      'get /api/autonomous/schedules',
      'post /api/autonomous/schedules/{scheduleId}/pause',
      'post /api/autonomous/schedules/{scheduleId}/unpause',
      'post /api/autonomous/schedules/{scheduleId}/trigger',
      'get /api/autonomous/thresholds',
      'get /api/autonomous/thresholds/{name}',
      'put /api/autonomous/thresholds/{name}',
      'get /api/autonomous/policies',
      'get /api/autonomous/policies/{name}',
      'put /api/autonomous/policies/{name}',
      'get /api/ml/feedback',
      'get /api/ml/optimize-thresholds',
      'get /api/ml/suggestion-quality',
      'get /health',
      'get /metrics',
      'get /api/autonomous/findings',
      'get /api/autonomous/findings/{findingId}',
      'get /api/autonomous/findings/{findingId}/alert-deliveries',
      'get /api/autonomous/alerts/channels',
      'get /api/autonomous/actions',
      'get /api/autonomous/actions/{actionId}',
      'post /api/autonomous/actions/{actionId}/approve',
      'post /api/autonomous/actions/{actionId}/reject',
      'get /api/autonomous/schedules/live-mode',
      'put /api/autonomous/schedules/live-mode',
      'get /api/keys',
      'post /api/keys',
      'delete /api/keys/{keyId}',
      'get /healthz',
      'get /readyz',
      'get /api/autonomous/history/trend',
      'get /api/autonomous/history/cycles/{cycleId}',
      'get /api/session',
      'get /api/unsubscribe',
      'post /api/unsubscribe',
      'post /api/integrations/slack/interactions',
      'get /api/freezes',
      'post /api/freezes',
      'delete /api/freezes/{id}',
    ];
    // Under /api but public: their own credential (a signed link, Slack's signature) instead of an API key.
    const PUBLIC_UNDER_API = new Set(['/api/unsubscribe', '/api/integrations/slack/interactions']);
    const listed = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(listed.sort()).toEqual([...expected].sort());

    const refs: string[] = [];
    const collect = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string') refs.push(x);
          else collect(x);
        }
      }
    };
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        expect(op.tags?.length, where).toBeGreaterThan(0);
        expect(op.summary, where).toBeTruthy();
        const codes = Object.keys(op.responses);
        expect(
          codes.some((c) => c.startsWith('2')),
          where,
        ).toBe(true);
        if (path.startsWith('/api/') && !PUBLIC_UNDER_API.has(path)) {
          expect(codes, where).toEqual(expect.arrayContaining(['400', '401', '403', '500']));
          expect(op.responses['401']!.content!['application/problem+json']!.schema).toEqual({
            $ref: '#/components/schemas/Problem',
          });
          expect(op.security, where).toBeUndefined(); // inherits the document's API-key security
        } else {
          expect(op.security, where).toEqual([]);
        }
        for (const name of path.match(/\{(\w+)\}/g) ?? []) {
          expect(
            op.parameters?.some((p) => p.in === 'path' && `{${p.name}}` === name),
            `${where} declares ${name}`,
          ).toBe(true);
        }
        collect(op);
      }
    }
    for (const ref of new Set(refs)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.split('/').at(-1)!], ref).toBeDefined();
    }
    // The run-cycle body is the zod schema: phases are the seven phases, unknown fields are refused.
    const body = (
      doc.paths['/api/autonomous/run-cycle']!.post as unknown as {
        requestBody: { content: Record<string, { schema: { anyOf: Array<Record<string, any>> } }> };
      }
    ).requestBody;
    const object = body.content['application/json']!.schema.anyOf[0]!;
    expect(object.additionalProperties).toBe(false);
    expect(object.properties.phases.items.enum).toEqual([
      'analyze',
      'heal',
      'optimize',
      'prevent',
      'learn',
      'decide',
      'verify',
    ]);
  });

  it('serves the Swagger UI at /docs', async () => {
    const page = await e.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('swagger-ui');
  });
});

describe('GET /healthz and /readyz', () => {
  it('liveness answers without touching dependencies; readiness checks both', async () => {
    const live = await e.app.inject({ method: 'GET', url: '/healthz' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'ok', uptimeSeconds: expect.any(Number) });
    const ready = await e.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ok', checks: { database: { ok: true }, temporal: { ok: true } } });
  });
});

describe('request ids, security headers and mutating-request audit', () => {
  it('echoes a sane caller request id, generates one otherwise, and sets security headers', async () => {
    const given = await e.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'trace-abc-12345' },
    });
    expect(given.headers['x-request-id']).toBe('trace-abc-12345');
    const junk = await e.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'no spaces allowed <>' },
    });
    expect(junk.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(given.headers['x-content-type-options']).toBe('nosniff');
    expect(given.headers['content-security-policy']).toContain("default-src 'self'");
    expect(given.headers['strict-transport-security']).toBeDefined();
  });

  it('audits every mutating request with the key name, including refused ones', async () => {
    const requestId = `audit-test-${Date.now()}`;
    const refused = await e.app.inject({
      method: 'PUT',
      url: '/api/autonomous/policies/kill_switch',
      headers: { ...e.as('viewer'), 'x-request-id': requestId },
      payload: { value: { enabled: true }, reason: 'viewer tries' },
    });
    expect(refused.statusCode).toBe(403);
    const rows = await e.t
      .db('engine.audit_log')
      .where({ event: 'api.request' })
      .whereRaw("after->>'requestId' = ?", [requestId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: 'vera-viewer',
      target: 'PUT /api/autonomous/policies/:name',
      dry_run: false,
    });
    expect(rows[0].after).toMatchObject({ status: 403, role: 'viewer', params: { name: 'kill_switch' } });
    // Reads are not audited.
    await e.app.inject({
      method: 'GET',
      url: '/api/autonomous/policies',
      headers: { ...e.as('viewer'), 'x-request-id': `${requestId}-read` },
    });
    expect(await e.t.db('engine.audit_log').whereRaw("after->>'requestId' = ?", [`${requestId}-read`])).toHaveLength(0);
  });

  it('rate-limits per key with a 429 problem and Retry-After; other keys and probes are unaffected', async () => {
    const app = await buildApp({
      db: e.t.db,
      temporal: { client: e.client, namespace: e.namespace, taskQueue: e.taskQueue },
      rateLimit: { max: 3, windowMs: 60_000 },
    });
    try {
      const call = (role: 'viewer' | 'operator') =>
        app.inject({ method: 'GET', url: '/api/autonomous/cycles', headers: e.as(role) });
      for (let i = 0; i < 3; i++) expect((await call('viewer')).statusCode).toBe(200);
      const limited = await call('viewer');
      expect(limited.statusCode).toBe(429);
      const p = problemOf(limited);
      expect(p.type).toBe('urn:floyo:problem:rate-limited');
      expect(p.detail).toContain("the key 'vera-viewer'");
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect((await call('operator')).statusCode).toBe(200);
      for (let i = 0; i < 5; i++) expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
