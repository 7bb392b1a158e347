// The role matrix (docs/safety.md): every route the api serves, called with no key and with a viewer,
// operator and admin key, allows exactly the callers its role says. Routes are read from the OpenAPI
// document, so a new route without an entry here fails the test. Also: the document is valid OpenAPI.
// 'slack-signed' routes admit no API key at all: only a request signed with Slack's signing secret (401 else).
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPI } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemOf, setupE2E, type E2E } from './harness';

type MinRole = 'public' | 'viewer' | 'operator' | 'admin' | 'slack-signed';

const MATRIX: Record<string, MinRole> = {
  'get /healthz': 'public',
  'get /readyz': 'public',
  'get /health': 'public',
  'get /metrics': 'public',
  'get /api/unsubscribe': 'public',
  'post /api/unsubscribe': 'public',
  'get /api/autonomous/system-state': 'viewer',
  'post /api/autonomous/run-cycle': 'operator',
  'post /api/autonomous/auto-remediate': 'operator',
  'post /api/autonomous/self-optimize': 'operator',
  'post /api/autonomous/self-heal': 'operator',
  'post /api/autonomous/monitor-and-respond': 'operator',
  'get /api/autonomous/cycles': 'viewer',
  'get /api/autonomous/cycles/{cycleId}': 'viewer',
  'get /api/autonomous/cycles/{cycleId}/progress': 'viewer',
  'get /api/autonomous/cycles/{cycleId}/actions': 'viewer',
  'get /api/autonomous/cycles/{cycleId}/audit': 'viewer',
  'get /api/autonomous/decisions': 'viewer',
  'get /api/autonomous/learning': 'viewer',
  'get /api/autonomous/autonomy': 'viewer',
  'put /api/autonomous/autonomy/{actionType}': 'admin',
  'get /api/autonomous/recovered-revenue': 'viewer',
  'get /api/autonomous/optimization-opportunities': 'viewer',
  'get /api/autonomous/findings': 'viewer',
  'get /api/autonomous/findings/{findingId}': 'viewer',
  'get /api/autonomous/findings/{findingId}/alert-deliveries': 'viewer',
  'get /api/autonomous/alerts/channels': 'viewer',
  'get /api/autonomous/actions': 'viewer',
  'get /api/autonomous/actions/{actionId}': 'viewer',
  'post /api/autonomous/actions/{actionId}/approve': 'operator',
  'post /api/autonomous/actions/{actionId}/reject': 'operator',
  'get /api/autonomous/campaigns': 'viewer',
  'get /api/autonomous/campaigns/{campaignId}': 'viewer',
  'post /api/autonomous/campaigns/{campaignId}/approve': 'operator',
  'post /api/autonomous/campaigns/{campaignId}/reject': 'operator',
  'post /api/autonomous/campaigns/{campaignId}/pause': 'operator',
  'post /api/autonomous/campaigns/{campaignId}/resume': 'operator',
  'post /api/autonomous/campaigns/{campaignId}/cancel': 'operator',
  'get /api/autonomous/approvals': 'viewer',
  'post /api/autonomous/approvals/decide': 'operator',
  'post /api/autonomous/approvals/{actionId}/approve': 'operator',
  'post /api/autonomous/approvals/{actionId}/reject': 'operator',
  'get /api/autonomous/schedules': 'viewer',
  'get /api/autonomous/schedules/live-mode': 'viewer',
  'put /api/autonomous/schedules/live-mode': 'admin',
  'post /api/autonomous/schedules/{scheduleId}/pause': 'admin',
  'post /api/autonomous/schedules/{scheduleId}/unpause': 'admin',
  'post /api/autonomous/schedules/{scheduleId}/trigger': 'admin',
  'get /api/autonomous/thresholds': 'viewer',
  'get /api/autonomous/thresholds/{name}': 'viewer',
  'put /api/autonomous/thresholds/{name}': 'admin',
  'get /api/autonomous/policies': 'viewer',
  'get /api/autonomous/policies/{name}': 'viewer',
  'put /api/autonomous/policies/{name}': 'admin',
  'get /api/ml/feedback': 'viewer',
  'get /api/ml/suggestion-quality': 'viewer',
  'get /api/ml/optimize-thresholds': 'viewer',
  'get /api/autonomous/history/trend': 'viewer',
  'get /api/autonomous/history/cycles/{cycleId}': 'viewer',
  'get /api/session': 'viewer',
  'get /api/keys': 'admin',
  'post /api/keys': 'admin',
  'delete /api/keys/{keyId}': 'admin',
  'get /api/freezes': 'viewer',
  'post /api/freezes': 'admin',
  'delete /api/freezes/{id}': 'admin',
  'post /api/integrations/slack/interactions': 'slack-signed',
};

// Placeholders that name nothing real, so allowed calls answer 2xx/4xx without touching real things
// (no real schedule is paused, no real approval decided).
const PARAMS: Record<string, string> = {
  cycleId: 'matrix-no-such-cycle',
  actionId: 'matrix-no-such-action',
  campaignId: 'matrix-no-such-campaign',
  findingId: '999999',
  scheduleId: 'matrix-no-such-schedule',
  name: 'gate.healing',
  keyId: '999999',
  id: '999999',
  // Not an action type: an admin's pin answers 400 and pins nothing.
  actionType: 'matrix-no-such-type',
};

// A body each route accepts from a caller with the role (dry-run for the runs).
const BODIES: Record<string, unknown> = {
  'put /api/autonomous/schedules/live-mode': { enabled: false, reason: 'matrix test' },
  'put /api/autonomous/thresholds/{name}': { value: 0.75, reason: 'matrix test' },
  'put /api/autonomous/policies/{name}': { value: { enabled: false }, reason: 'matrix test' },
  'post /api/keys': { name: 'matrix-key', role: 'viewer' },
  // Over long ago: it freezes nothing.
  'post /api/freezes': {
    kind: 'one_off',
    name: 'matrix',
    reason: 'matrix test',
    timezone: 'UTC',
    startsAt: '2020-01-01T00:00:00Z',
    endsAt: '2020-01-02T00:00:00Z',
  },
  'post /api/autonomous/approvals/decide': {
    decision: 'reject',
    reason: 'matrix test',
    filter: { actionIds: ['act-matrix-none'] },
  },
};

const ROLE_RANK: Record<MinRole | 'none', number> = {
  none: 0,
  public: 0,
  viewer: 1,
  operator: 2,
  admin: 3,
  'slack-signed': Infinity,
};

let e: E2E;
let operations: string[];
beforeAll(async () => {
  e = await setupE2E('matrix');
  const doc = (await e.app.inject({ method: 'GET', url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  operations = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
});
afterAll(async () => {
  await e?.close();
});

describe('role matrix', () => {
  it('has an entry for every documented route, and documents every entry', () => {
    expect([...operations].sort()).toEqual(Object.keys(MATRIX).sort());
  });

  it("allows exactly the callers each route's role admits", async () => {
    const failures: string[] = [];
    for (const op of operations) {
      const [method, template] = op.split(' ') as [string, string];
      const url = template.replace(/\{(\w+)\}/g, (_, name: string) => PARAMS[name] ?? 'x');
      const min = MATRIX[op]!;
      for (const caller of ['none', 'viewer', 'operator', 'admin'] as const) {
        const res = await e.app.inject({
          method: method.toUpperCase() as 'GET',
          url,
          headers: caller === 'none' ? {} : e.as(caller),
          ...(method === 'get' || method === 'delete' ? {} : { payload: (BODIES[op] ?? {}) as object }),
        });
        if (res.statusCode === 202) e.track((res.json() as { cycleId: string }).cycleId);
        const allowed = ROLE_RANK[caller] >= ROLE_RANK[min];
        const refused = res.statusCode === 401 || res.statusCode === 403;
        if (allowed === refused)
          failures.push(
            `${op} as ${caller}: ${res.statusCode} (${allowed ? 'should be allowed' : 'should be refused'})`,
          );
        if (!allowed) {
          const p = problemOf(res);
          expect(p.status).toBe(caller === 'none' || min === 'slack-signed' ? 401 : 403);
        }
        if (res.statusCode >= 500) failures.push(`${op} as ${caller}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('live work needs an admin even on routes an operator may call', async () => {
    const op = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/run-cycle',
      headers: e.as('operator'),
      payload: { dryRun: false },
    });
    expect(problemOf(op).status).toBe(403);
    const admin = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/run-cycle',
      headers: e.as('admin'),
      payload: { dryRun: false },
    });
    expect(admin.statusCode).toBe(202);
    e.track(admin.json().cycleId);
  });
});

describe('OpenAPI document', () => {
  it('validates as OpenAPI 3', async () => {
    const doc = (await e.app.inject({ method: 'GET', url: '/docs/json' })).json() as OpenAPI.Document;
    const validated = (await SwaggerParser.validate(structuredClone(doc))) as {
      openapi?: string;
      paths?: Record<string, unknown>;
    };
    expect(validated.openapi).toMatch(/^3\./);
    expect(Object.keys(validated.paths ?? {}).length).toBeGreaterThan(30);
  });
});
