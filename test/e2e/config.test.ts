// Versioned thresholds and policies over HTTP: read by anyone with a key, changed by admins only, each
// change a new version validated against that name's schema, with who and why, and audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPolicies, getThresholds } from '../../db/repos/config';
import { problemOf, setupE2E, type E2E } from './harness';

let e: E2E;
beforeAll(async () => {
  e = await setupE2E('config');
});
afterAll(async () => {
  await e?.close();
});

const put = (url: string, payload: unknown, role: 'operator' | 'admin' = 'admin') =>
  e.app.inject({ method: 'PUT', url, headers: e.as(role), payload: payload as object });

describe('thresholds', () => {
  it('lists every threshold in force, unset ones included', async () => {
    // A threshold without any version (a deployment older than it) is listed as unset.
    await e.t.db('engine.thresholds').where({ name: 'ml.suggestion_threshold' }).del();
    const res = await e.app.inject({ method: 'GET', url: '/api/autonomous/thresholds', headers: e.as('viewer') });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Array<{
      name: string;
      value: unknown;
      version: number | null;
      changedBy: string | null;
      description: string | null;
    }>;
    expect(items.map((i) => [i.name, i.value, i.version])).toEqual([
      ['gate.remediation', 0.8, 1],
      ['gate.optimization', 0.7, 1],
      ['gate.healing', 0.75, 1],
      ['kpi.min_sample', 30, 1],
      ['kpi.gross_margin', 0.8, 1],
      ['ml.suggestion_threshold', null, null],
      ['ml.applied_gain', 1, 1],
      ['ml.dismiss_cost', 0.5, 1],
    ]);
    expect(items[0]).toMatchObject({
      changedBy: 'migration',
      description: 'Confidence an action of the remediation class needs to run without approval',
    });
  });

  it('lets an admin set a new version, with who and why, audited', async () => {
    const res = await put('/api/autonomous/thresholds/gate.remediation', {
      value: 0.85,
      reason: 'two bad retries last week',
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.entry).toMatchObject({
      kind: 'threshold',
      name: 'gate.remediation',
      version: 2,
      value: 0.85,
      changedBy: 'bootstrap-admin',
      reason: 'two bad retries last week',
    });
    expect(body.previous).toMatchObject({ version: 1, value: 0.8 });
    expect((await getThresholds(e.t.db))['gate.remediation']).toBe(0.85);
    const audit = await e.t.db('engine.audit_log').where({ target: 'threshold:gate.remediation' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'bootstrap-admin', event: 'config.threshold.changed', dry_run: false });

    const history = (
      await e.app.inject({ method: 'GET', url: '/api/autonomous/thresholds/gate.remediation', headers: e.as('viewer') })
    ).json();
    expect(history.current).toMatchObject({ version: 2, value: 0.85 });
    expect(history.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
  });

  it('sets a threshold that had no version yet', async () => {
    const res = await put('/api/autonomous/thresholds/ml.suggestion_threshold', {
      value: 0.6,
      reason: 'from the ML feedback',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ entry: { version: 1, value: 0.6 }, previous: null });
    // The ML threshold recommendation now evaluates it as the current threshold.
    const ml = (
      await e.app.inject({ method: 'GET', url: '/api/ml/optimize-thresholds', headers: e.as('viewer') })
    ).json();
    expect(ml.currentThreshold).toBe(0.6);
  });

  it("rejects values outside the threshold's own range with a 400 naming the field", async () => {
    const res = await put('/api/autonomous/thresholds/gate.healing', { value: 1.5, reason: 'typo test' });
    expect(res.statusCode).toBe(400);
    const p = problemOf(res);
    expect(p.detail).toBe("Invalid value for threshold 'gate.healing': must be between 0 and 1");
    expect(p.errors).toEqual([
      { location: 'body', path: 'value', message: 'must be between 0 and 1', code: 'invalid_value' },
    ]);
    const int = problemOf(await put('/api/autonomous/thresholds/kpi.min_sample', { value: 2.5, reason: 'not whole' }));
    expect(int.detail).toBe("Invalid value for threshold 'kpi.min_sample': must be a whole number");
  });

  it('validates the body: types, reason, extra fields, missing body', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{ value: '0.9', reason: 'string value' }, ['value']],
      [{ value: 0.9 }, ['reason']],
      [{ value: 0.9, reason: ' x ' }, ['reason']],
      [{ value: 0.9, reason: 'fine', version: 7 }, ['']],
      [{}, ['reason', 'value']],
    ];
    for (const [payload, paths] of cases) {
      const res = await put('/api/autonomous/thresholds/gate.healing', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(
        problemOf(res)
          .errors!.map((x) => x.path)
          .sort(),
      ).toEqual(paths);
    }
    const none = await e.app.inject({
      method: 'PUT',
      url: '/api/autonomous/thresholds/gate.healing',
      headers: e.as('admin'),
    });
    expect(problemOf(none).detail).toBe(
      'Invalid request body: a JSON body {"value": ..., "reason": "..."} is required',
    );
  });

  it('answers 404 for unknown thresholds and 403 for non-admins', async () => {
    const res = await put('/api/autonomous/thresholds/gate.everything', { value: 0.5, reason: 'does not exist' });
    expect(res.statusCode).toBe(404);
    expect(problemOf(res).detail).toMatch(
      /^Unknown threshold 'gate.everything'\. Known thresholds: gate\.remediation, /,
    );
    expect(
      (await put('/api/autonomous/thresholds/gate.healing', { value: 0.5, reason: 'operator try' }, 'operator'))
        .statusCode,
    ).toBe(403);
    expect(
      (await e.app.inject({ method: 'GET', url: '/api/autonomous/thresholds/nope', headers: e.as('viewer') }))
        .statusCode,
    ).toBe(404);
  });
});

describe('policies', () => {
  it('lists the policies with live mode off by default', async () => {
    const res = await e.app.inject({ method: 'GET', url: '/api/autonomous/policies', headers: e.as('viewer') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ liveMode: false, killSwitch: false });
    expect(body.items.find((i: { name: string }) => i.name === 'quiet_hours')).toMatchObject({
      version: 1,
      value: { enabled: false, startHour: 22, endHour: 7, timezone: 'UTC' },
    });
  });

  it('turns live mode on through the live_mode policy', async () => {
    const res = await put('/api/autonomous/policies/live_mode', {
      value: { enabled: true },
      reason: 'go-live after the dry-run review',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().entry).toMatchObject({ name: 'live_mode', version: 2, value: { enabled: true } });
    expect((await getPolicies(e.t.db)).live_mode.enabled).toBe(true);
    expect(
      (await e.app.inject({ method: 'GET', url: '/api/autonomous/policies', headers: e.as('viewer') })).json().liveMode,
    ).toBe(true);
  });

  it('rejects a policy value that does not fit its schema', async () => {
    const res = await put('/api/autonomous/policies/quiet_hours', {
      value: { enabled: true, startHour: 25, endHour: 7, timezone: 'Mars/Olympus' },
      reason: 'bad',
    });
    expect(res.statusCode).toBe(400);
    const p = problemOf(res);
    expect(p.errors!.map((x) => x.path).sort()).toEqual(['value.startHour', 'value.timezone']);
    const extra = await put('/api/autonomous/policies/live_mode', {
      value: { enabled: true, force: 1 },
      reason: 'extra key',
    });
    expect(extra.statusCode).toBe(400);
    const notObject = await put('/api/autonomous/policies/live_mode', { value: true, reason: 'not an object' });
    expect(problemOf(notObject).errors).toEqual([expect.objectContaining({ location: 'body', path: 'value' })]);
  });

  it('answers 404 for unknown policies and 403 for operators', async () => {
    expect(
      (await put('/api/autonomous/policies/self_destruct', { value: { enabled: true }, reason: 'no such policy' }))
        .statusCode,
    ).toBe(404);
    expect(
      (
        await put(
          '/api/autonomous/policies/kill_switch',
          { value: { enabled: true }, reason: 'stop everything' },
          'operator',
        )
      ).statusCode,
    ).toBe(403);
  });
});
