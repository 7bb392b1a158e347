// Starting cycle workflows over HTTP: 202 with the cycle id, and the workflow really exists in Temporal
// with the right type, input, task queue and search attributes. No worker polls the test's task queue,
// so the workflows wait and are terminated at the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SA_CYCLE_KIND, SA_DRY_RUN, SA_TRIGGER } from '../../workflows/definitions';
import { problemOf, setupE2E, type E2E } from './harness';

let e: E2E;
beforeAll(async () => {
  e = await setupE2E('runs');
});
afterAll(async () => {
  await e?.close();
});

async function post(url: string, payload: unknown, role: 'operator' | 'admin' = 'operator') {
  const res = await e.app.inject({ method: 'POST', url, headers: e.as(role), payload: payload as object });
  if (res.statusCode === 202) e.track(res.json().cycleId);
  return res;
}

async function inputOf(workflowId: string): Promise<unknown> {
  const history = await e.client.workflow.getHandle(workflowId).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const payload = started?.input?.payloads?.[0];
  return JSON.parse(Buffer.from(payload!.data!).toString('utf8'));
}

describe('POST /api/autonomous/run-cycle', () => {
  it('starts autonomousCycle dry-run by default and answers 202 with the cycle id', async () => {
    const res = await post('/api/autonomous/run-cycle', {});
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.cycleId).toMatch(/^cycle-\d{8}T\d{6}-[0-9a-z]{6}$/);
    expect(body).toMatchObject({ dryRun: true, kind: 'cycle', workflowType: 'autonomousCycle' });
    expect(body.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.location).toBe(`/api/autonomous/cycles/${body.cycleId}`);
    expect(body.links.temporalUi).toBe(`http://127.0.0.1:8233/namespaces/${e.namespace}/workflows/${body.cycleId}`);

    const d = await e.client.workflow.getHandle(body.cycleId).describe();
    expect(d.type).toBe('autonomousCycle');
    expect(d.taskQueue).toBe(e.taskQueue);
    expect(d.status.name).toBe('RUNNING');
    expect(d.runId).toBe(body.runId);
    expect(d.typedSearchAttributes.get(SA_CYCLE_KIND)).toBe('cycle');
    expect(d.typedSearchAttributes.get(SA_DRY_RUN)).toBe(true);
    expect(d.typedSearchAttributes.get(SA_TRIGGER)).toBe('api');
    expect(await d.staticSummary()).toBe('Dry-run autonomous cycle requested by oscar-operator via the api');
    expect(await d.staticDetails()).toContain(`GET /api/autonomous/cycles/${body.cycleId}`);
    // The caller's key name is the requester; no phases means every phase.
    expect(await inputOf(body.cycleId)).toEqual({ dryRun: true, trigger: 'api', requestedBy: 'oscar-operator' });
    // The request itself is audited, whether or not a worker ever runs the workflow.
    const audit = await e.t.db('engine.audit_log').where({ cycle_id: body.cycleId });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: 'oscar-operator',
      event: 'cycle.requested',
      target: body.cycleId,
      dry_run: true,
      dedupe_key: `cycle.requested:${body.cycleId}`,
    });
    expect(audit[0].after).toEqual({
      workflowType: 'autonomousCycle',
      kind: 'cycle',
      dryRun: true,
      phases: null,
      via: 'api',
      role: 'operator',
      requestId: expect.any(String),
    });
  });

  it("passes the requested phases, and accepts the seed's dry_run spelling", async () => {
    const res = await post('/api/autonomous/run-cycle', { dry_run: true, phases: ['learn', 'analyze'] });
    expect(res.statusCode).toBe(202);
    expect(await inputOf(res.json().cycleId)).toEqual({
      dryRun: true,
      trigger: 'api',
      requestedBy: 'oscar-operator',
      phases: ['learn', 'analyze'],
    });
  });

  it('asks for a rollup rebuild with full: true, and says so in the audit entry', async () => {
    const res = await post('/api/autonomous/run-cycle', { full: true, phases: ['analyze'] });
    expect(res.statusCode).toBe(202);
    const { cycleId } = res.json();
    expect(await inputOf(cycleId)).toEqual({
      dryRun: true,
      trigger: 'api',
      requestedBy: 'oscar-operator',
      phases: ['analyze'],
      full: true,
    });
    const audit = await e.t.db('engine.audit_log').where({ event: 'cycle.requested', cycle_id: cycleId }).first();
    expect(audit.after).toMatchObject({ full: true, phases: ['analyze'] });
  });

  it('starts a live cycle for an admin, with FloyoDryRun false', async () => {
    const res = await post('/api/autonomous/run-cycle', { dryRun: false }, 'admin');
    expect(res.statusCode).toBe(202);
    const d = await e.client.workflow.getHandle(res.json().cycleId).describe();
    expect(d.typedSearchAttributes.get(SA_DRY_RUN)).toBe(false);
    expect(await d.staticSummary()).toBe('LIVE autonomous cycle requested by bootstrap-admin via the api');
  });

  it('gives every start its own id', async () => {
    const ids = await Promise.all(
      [1, 2, 3, 4].map(async () => (await post('/api/autonomous/run-cycle', {})).json().cycleId as string),
    );
    expect(new Set(ids).size).toBe(4);
  });

  const invalid: Array<[string, unknown, string, string]> = [
    ['dryRun of the wrong type', { dryRun: 'yes' }, 'dryRun', 'Invalid input: expected boolean, received string'],
    ['full of the wrong type', { full: 1 }, 'full', 'Invalid input: expected boolean, received number'],
    ['dry_run of the wrong type', { dry_run: 0 }, 'dry_run', 'Invalid input: expected boolean, received number'],
    [
      'an unknown phase',
      { phases: ['analyze', 'dance'] },
      'phases.1',
      'Invalid option: expected one of "analyze"|"heal"|"optimize"|"prevent"|"learn"|"decide"|"verify"',
    ],
    ['duplicate phases', { phases: ['heal', 'heal'] }, 'phases', 'phases must not repeat'],
    ['empty phases', { phases: [] }, 'phases', 'phases must not be empty: omit it to run every phase'],
    ['phases not an array', { phases: 'analyze' }, 'phases', 'Invalid input: expected array, received string'],
    ['an extra field', { dryRun: true, force: true }, '', 'Unrecognized key: "force"'],
    ['a body that is not an object', [true], '', 'Invalid input: expected object, received array'],
    [
      'dryRun and dry_run that disagree',
      { dryRun: true, dry_run: false },
      'dry_run',
      'dryRun and dry_run disagree: send one of them',
    ],
  ];
  for (const [what, payload, path, message] of invalid) {
    it(`answers 400 for ${what}`, async () => {
      const res = await post('/api/autonomous/run-cycle', payload, 'admin');
      expect(res.statusCode).toBe(400);
      const p = problemOf(res);
      expect(p).toMatchObject({
        status: 400,
        title: 'Validation failed',
        type: 'urn:floyo:problem:validation-error',
        instance: '/api/autonomous/run-cycle',
      });
      expect(p.errors).toContainEqual(expect.objectContaining({ location: 'body', path, message }));
      expect(p.detail).toBe(`Invalid request body: ${path ? `${path}: ` : ''}${message}`);
    });
  }
});

describe('the single-purpose runs', () => {
  const routes = [
    ['/api/autonomous/auto-remediate', 'autoRemediate', 'auto_remediate', 'auto-remediate'],
    ['/api/autonomous/self-optimize', 'selfOptimize', 'self_optimize', 'self-optimize'],
    ['/api/autonomous/self-heal', 'selfHeal', 'self_heal', 'self-heal'],
    ['/api/autonomous/monitor-and-respond', 'monitorAndRespond', 'monitor', 'monitor'],
  ] as const;
  for (const [url, type, kind, prefix] of routes) {
    it(`${url} starts ${type} dry-run by default`, async () => {
      const res = await post(url, undefined);
      expect(res.statusCode).toBe(202);
      const body = res.json();
      expect(body.cycleId).toMatch(new RegExp(`^${prefix}-\\d{8}T\\d{6}-[0-9a-z]{6}$`));
      expect(body).toMatchObject({ dryRun: true, kind, workflowType: type });
      const d = await e.client.workflow.getHandle(body.cycleId).describe();
      expect(d.type).toBe(type);
      expect(d.typedSearchAttributes.get(SA_CYCLE_KIND)).toBe(kind);
      expect(d.typedSearchAttributes.get(SA_TRIGGER)).toBe('api');
      expect(await inputOf(body.cycleId)).toEqual({ dryRun: true, trigger: 'api', requestedBy: 'oscar-operator' });
    });

    it(`${url} rejects phases, unknown fields and bad types with 400`, async () => {
      for (const payload of [{ phases: ['heal'] }, { dryRun: 'false' }, { dry_run: null }]) {
        const res = await post(url, payload, 'admin');
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(problemOf(res).errors!.length).toBeGreaterThan(0);
      }
    });
  }

  it("accepts the seed's curl call: form content type with a JSON body", async () => {
    const res = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/self-heal',
      headers: { ...e.as('operator'), 'content-type': 'application/x-www-form-urlencoded' },
      payload: '{"dry_run": true}',
    });
    expect(res.statusCode).toBe(202);
    e.track(res.json().cycleId);
    expect(res.json().dryRun).toBe(true);
  });
});

describe('metrics of starts', () => {
  it('counts the cycles started by kind and dry-run flag', async () => {
    const before = await e.app.inject({ method: 'GET', url: '/metrics' });
    const count = (text: string, labels: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`floyo_api_cycles_started_total{${labels}}`));
      return line ? Number(line.split(' ').at(-1)) : 0;
    };
    const n0 = count(before.body, 'kind="self_optimize",dry_run="true"');
    await post('/api/autonomous/self-optimize', {});
    await post('/api/autonomous/self-optimize', {});
    const after = await e.app.inject({ method: 'GET', url: '/metrics' });
    expect(count(after.body, 'kind="self_optimize",dry_run="true"')).toBe(n0 + 2);
    expect(after.body).toMatch(
      /floyo_api_http_request_duration_seconds_count\{method="POST",route="\/api\/autonomous\/self-optimize",status_code="202"\} \d+/,
    );
  });
});
