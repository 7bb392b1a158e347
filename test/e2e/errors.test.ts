// The error contract (docs/api.md): every error is application/problem+json with a clear detail, and
// no input, however malformed, yields a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemOf, setupE2E, type E2E } from './harness';

let e: E2E;
beforeAll(async () => {
  e = await setupE2E('errors');
});
afterAll(async () => {
  await e?.close();
});

describe('problem responses', () => {
  it('answers an unknown route with a 404 problem naming the route', async () => {
    const res = await e.app.inject({ method: 'GET', url: '/api/autonomous/nope?x=1', headers: e.as('viewer') });
    expect(res.statusCode).toBe(404);
    const p = problemOf(res);
    expect(p).toMatchObject({
      status: 404,
      title: 'Not Found',
      type: 'urn:floyo:problem:route-not-found',
      instance: '/api/autonomous/nope?x=1',
    });
    expect(p.detail).toBe('No route GET /api/autonomous/nope. See /docs for the API.');
  });

  it('answers a known path with the wrong method with a 404 problem', async () => {
    const res = await e.app.inject({ method: 'DELETE', url: '/api/autonomous/run-cycle', headers: e.as('admin') });
    expect(res.statusCode).toBe(404);
    expect(problemOf(res).detail).toContain('DELETE /api/autonomous/run-cycle');
  });

  it('answers malformed JSON with a 400 problem', async () => {
    const res = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/run-cycle',
      headers: { ...e.as('operator'), 'content-type': 'application/json' },
      payload: '{"dryRun": tru',
    });
    expect(res.statusCode).toBe(400);
    const p = problemOf(res);
    expect(p.type).toBe('urn:floyo:problem:malformed-json');
    expect(p.detail).toMatch(/^The request body is not valid JSON/);
  });

  it('answers an empty JSON body with a 400 problem that says what to send', async () => {
    const res = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/run-cycle',
      headers: { ...e.as('operator'), 'content-type': 'application/json' },
      payload: '',
    });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).detail).toContain('send `{}`');
  });

  it('answers an unsupported content type with a 415 problem', async () => {
    const res = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/run-cycle',
      headers: { ...e.as('operator'), 'content-type': 'application/xml' },
      payload: '<dryRun>true</dryRun>',
    });
    expect(res.statusCode).toBe(415);
    expect(problemOf(res).detail).toContain('Content-Type: application/json');
  });

  it('answers form-encoded key=value bodies with a 415 problem', async () => {
    const res = await e.app.inject({
      method: 'POST',
      url: '/api/autonomous/run-cycle',
      headers: { ...e.as('operator'), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'dry_run=true',
    });
    expect(res.statusCode).toBe(415);
    problemOf(res);
  });

  it('answers a malformed query string with a 400 problem listing each field', async () => {
    const res = await e.app.inject({
      method: 'GET',
      url: '/api/autonomous/cycles?limit=abc&offset=-1&status=nope',
      headers: e.as('viewer'),
    });
    expect(res.statusCode).toBe(400);
    const p = problemOf(res);
    expect(p.type).toBe('urn:floyo:problem:validation-error');
    expect(p.detail).toMatch(/^Invalid query string: /);
    expect(p.errors!.map((x) => `${x.location}:${x.path}`).sort()).toEqual([
      'querystring:limit',
      'querystring:offset',
      'querystring:status',
    ]);
  });

  it('rejects unknown query parameters', async () => {
    const res = await e.app.inject({
      method: 'GET',
      url: '/api/autonomous/cycles?stauts=running',
      headers: e.as('viewer'),
    });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).detail).toContain('Unrecognized key: "stauts"');
  });

  it('answers invalid path parameters with a 400 problem', async () => {
    const res = await e.app.inject({ method: 'GET', url: '/api/autonomous/cycles/a%20b', headers: e.as('viewer') });
    expect(res.statusCode).toBe(400);
    const p = problemOf(res);
    expect(p.errors).toEqual([
      {
        location: 'params',
        path: 'cycleId',
        message: 'a workflow id: letters, digits and . _ : -',
        code: 'invalid_format',
      },
    ]);
  });

  it('answers malformed percent-encoding and over-long ids with problems, not plain JSON', async () => {
    const bad = await e.app.inject({ method: 'GET', url: '/api/autonomous/cycles/%E0%A4%A', headers: e.as('viewer') });
    expect(bad.statusCode).toBe(400);
    problemOf(bad);
    const long = await e.app.inject({
      method: 'GET',
      url: `/api/autonomous/cycles/${'x'.repeat(300)}`,
      headers: e.as('viewer'),
    });
    expect(long.statusCode).toBe(414);
    problemOf(long);
  });

  it('never answers 500, whatever is sent to any route', async () => {
    const routes: Array<[string, string]> = [
      ['POST', '/api/autonomous/run-cycle'],
      ['POST', '/api/autonomous/auto-remediate'],
      ['POST', '/api/autonomous/self-optimize'],
      ['POST', '/api/autonomous/self-heal'],
      ['POST', '/api/autonomous/monitor-and-respond'],
      ['POST', '/api/autonomous/approvals/act-1/approve'],
      ['POST', '/api/autonomous/approvals/act-1/reject'],
      ['POST', '/api/autonomous/schedules/floyo-monitor/pause'],
      ['PUT', '/api/autonomous/thresholds/gate.remediation'],
      ['PUT', '/api/autonomous/policies/live_mode'],
      ['GET', '/api/autonomous/cycles/%00'],
      ['GET', '/api/autonomous/approvals?status[]=x'],
      ['GET', '/api/autonomous/decisions?limit=1e999'],
      ['GET', '/api/autonomous/cycles?limit=10&limit=20'],
    ];
    // (`null` and `{}` are valid: they start a dry-run cycle.)
    const payloads = [
      '[]',
      '"x"',
      '123',
      '{"dryRun":null}',
      '{"phases":"analyze"}',
      '{"phases":[1,2]}',
      '{"reason":{}}',
      '{"value":"NaN"}',
      '{"__proto__":{"x":1}}',
      '{"a":' + '['.repeat(200) + ']'.repeat(200) + '}',
    ];
    for (const [method, url] of routes) {
      for (const payload of method === 'GET' ? [undefined] : payloads) {
        const res = await e.app.inject({
          method: method as 'GET',
          url,
          headers: { ...e.as('admin'), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
          payload,
        });
        expect(res.statusCode, `${method} ${url} ${payload}: ${res.body}`).toBeLessThan(500);
        expect(res.statusCode, `${method} ${url} ${payload}`).toBeGreaterThanOrEqual(400);
        problemOf(res);
      }
    }
  });
});
