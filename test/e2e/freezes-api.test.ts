// The change-freeze routes over HTTP on real PostgreSQL: an admin adds a one-off and a recurring window, a viewer
// lists them with the one in force and the coming occurrences, an invalid window is a 400 problem naming the
// field, a viewer cannot write, and removal is soft (gone from the list, kept and audited).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../db/repos/audit';
import { problemOf, setupE2E, type E2E } from './harness';

let e: E2E;
const HOUR = 3_600_000;

beforeAll(async () => {
  e = await setupE2E('freezes-api');
});
afterAll(async () => {
  await e?.close();
});

const post = (payload: unknown, role: 'viewer' | 'admin' = 'admin') =>
  e.app.inject({ method: 'POST', url: '/api/freezes', headers: e.as(role), payload: payload as object });

describe('change-freeze routes', () => {
  let oneOffId: number;

  it('an admin adds windows; a viewer sees them, the one in force and what comes next', async () => {
    const now = Date.now();
    const oneOff = await post({
      kind: 'one_off',
      name: 'Release week',
      reason: 'platform release',
      timezone: 'America/New_York',
      startsAt: new Date(now - HOUR).toISOString(),
      endsAt: new Date(now + 2 * HOUR).toISOString(),
    });
    expect(oneOff.statusCode, oneOff.body).toBe(201);
    oneOffId = oneOff.json().item.id;
    expect(oneOff.json().item).toMatchObject({ kind: 'one_off', name: 'Release week', cron: null, deletedAt: null });
    const weekly = await post({
      kind: 'recurring',
      name: 'Weekend',
      reason: 'nobody on call',
      timezone: 'Europe/Berlin',
      cron: '0 18 * * 5',
      durationMinutes: 3600,
    });
    expect(weekly.statusCode, weekly.body).toBe(201);
    expect(weekly.json().item).toMatchObject({ cron: '0 18 * * 5', durationMinutes: 3600, startsAt: null });

    const res = await e.app.inject({ url: '/api/freezes?horizonDays=15', headers: e.as('viewer') });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.items.map((i: { name: string }) => i.name)).toEqual(['Release week', 'Weekend']);
    expect(body.active).toMatchObject({ id: oneOffId, name: 'Release week', timezone: 'America/New_York' });
    expect(body.active.message).toMatch(
      /^change freeze 'Release week' \(America\/New_York\) until \d{4}-\d\d-\d\d \d\d:\d\d -0[45]:00: no effects run$/,
    );
    const weekends = body.upcoming.filter((o: { name: string }) => o.name === 'Weekend');
    expect(weekends.length).toBeGreaterThanOrEqual(2);
    expect(body.upcoming.find((o: { id: number }) => o.id === oneOffId)).toMatchObject({ active: true });
    const audit = await listAudit(e.t.db, { event: 'change_freeze.created' });
    expect(audit.map((a) => a.target)).toEqual([`change_freeze:${oneOffId}`, `change_freeze:${weekly.json().item.id}`]);
  });

  it('answers 400 problem+json naming the field for an invalid window, and 403 to a viewer', async () => {
    const badCron = await post({
      kind: 'recurring',
      name: 'Bad',
      reason: 'bad cron',
      timezone: 'UTC',
      cron: 'every friday',
      durationMinutes: 60,
    });
    expect(badCron.statusCode).toBe(400);
    expect(problemOf(badCron).errors).toEqual([
      expect.objectContaining({ location: 'body', path: 'cron', message: expect.stringMatching(/five-field cron/) }),
    ]);
    const backwards = await post({
      kind: 'one_off',
      name: 'Backwards',
      reason: 'ends first',
      timezone: 'UTC',
      startsAt: '2026-12-20T00:00:00Z',
      endsAt: '2026-12-19T00:00:00Z',
    });
    expect(backwards.statusCode).toBe(400);
    expect(problemOf(backwards).errors?.map((x) => [x.path, x.message])).toEqual([
      ['endsAt', 'must be after startsAt'],
    ]);
    const badZone = await post({ kind: 'one_off', name: 'Zone', reason: 'bad zone', timezone: 'Nowhere/City' });
    expect(badZone.statusCode).toBe(400);
    expect(problemOf(badZone).errors?.map((x) => x.path)).toEqual(
      expect.arrayContaining(['timezone', 'startsAt', 'endsAt']),
    );
    const viewer = await post(
      {
        kind: 'recurring',
        name: 'x',
        reason: 'viewer',
        timezone: 'UTC',
        cron: '0 0 * * *',
        durationMinutes: 60,
      },
      'viewer',
    );
    expect(viewer.statusCode).toBe(403);
    expect((await e.t.db('engine.change_freezes').count({ n: '*' }).first())?.n).toEqual(2);
  });

  it('an admin removes a window: gone from the list and from force, kept on record and audited; 404 unknown', async () => {
    const del = await e.app.inject({ method: 'DELETE', url: `/api/freezes/${oneOffId}`, headers: e.as('admin') });
    expect(del.statusCode, del.body).toBe(200);
    expect(del.json().item).toMatchObject({ id: oneOffId, deletedBy: expect.any(String) });
    expect(del.json().item.deletedAt).not.toBeNull();
    const again = await e.app.inject({ method: 'DELETE', url: `/api/freezes/${oneOffId}`, headers: e.as('admin') });
    expect(again.statusCode).toBe(200);
    const list = (await e.app.inject({ url: '/api/freezes', headers: e.as('viewer') })).json();
    expect(list.items.map((i: { name: string }) => i.name)).toEqual(['Weekend']);
    expect(list.active?.name ?? null).not.toBe('Release week');
    expect(await e.t.db('engine.change_freezes').where({ id: oneOffId }).first()).toMatchObject({
      deleted_by: expect.any(String),
    });
    expect(
      await listAudit(e.t.db, { event: 'change_freeze.deleted', target: `change_freeze:${oneOffId}` }),
    ).toHaveLength(1);
    const missing = await e.app.inject({ method: 'DELETE', url: '/api/freezes/999999', headers: e.as('admin') });
    expect(missing.statusCode).toBe(404);
    expect(problemOf(missing).detail).toMatch(/No change freeze with id 999999/);
  });
});
