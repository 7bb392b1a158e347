// Change freezes (docs/safety.md#change-freezes): everyone with a key sees the windows, the one in force and the
// coming occurrences; only admins add or remove one. Each write is audited by the repository (change_freeze.*)
// besides the api.request entry. Not read-cached: what is in force changes with the clock, not only with writes.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  createChangeFreeze,
  deleteChangeFreeze,
  listChangeFreezes,
  type ChangeFreezeRecord,
} from '../../db/repos/change-freezes';
import { activeFreeze, describeFreeze, formatInZone, nextFreezes } from '../../engine/safety/change-freeze';
import { requireRole } from '../plugins/auth';
import { notFound } from '../problem';
import { problems } from '../schemas/common';
import {
  FreezeIdParams,
  FreezeItemSchema,
  FreezeListSchema,
  FreezesQuery,
  FreezeWindowInputSchema,
} from '../schemas/freezes';

const DAY_MS = 86_400_000;

function dto(r: ChangeFreezeRecord) {
  const w = r.window;
  return {
    id: w.id,
    name: w.name,
    reason: w.reason,
    kind: w.kind,
    timezone: w.timezone,
    startsAt: w.kind === 'one_off' ? w.startsAt.toISOString() : null,
    endsAt: w.kind === 'one_off' ? w.endsAt.toISOString() : null,
    cron: w.kind === 'recurring' ? w.cron : null,
    durationMinutes: w.kind === 'recurring' ? w.durationMinutes : null,
    createdBy: r.createdBy,
    createdAt: r.createdAt,
    deletedAt: r.deletedAt,
    deletedBy: r.deletedBy,
  };
}

export const freezeRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/freezes',
    {
      onRequest: requireRole('viewer'),
      schema: {
        tags: ['config'],
        summary: 'Change freezes: the windows, the one in force, the coming occurrences',
        description:
          'During a change freeze no effect runs: live actions are blocked with the freeze in their reason, while ' +
          'planning, dry runs and alerts go on. Role: viewer.',
        querystring: FreezesQuery,
        response: { 200: FreezeListSchema, ...problems(403) },
      },
    },
    async (request) => {
      const now = new Date();
      const records = await listChangeFreezes(app.knex);
      const windows = records.map((r) => r.window);
      const active = activeFreeze(windows, now);
      return {
        now: now.toISOString(),
        active: active && {
          id: active.window.id,
          name: active.window.name,
          reason: active.window.reason,
          timezone: active.window.timezone,
          endsAt: active.endsAt.toISOString(),
          endsAtLocal: formatInZone(active.endsAt, active.window.timezone),
          message: `${describeFreeze(active)}: no effects run`,
        },
        items: records.map(dto),
        upcoming: nextFreezes(windows, now, request.query.horizonDays * DAY_MS).map((o) => ({
          id: o.window.id,
          name: o.window.name,
          timezone: o.window.timezone,
          startsAt: o.startsAt.toISOString(),
          endsAt: o.endsAt.toISOString(),
          active: o.startsAt <= now && now < o.endsAt,
        })),
      };
    },
  );

  app.post(
    '/freezes',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['config'],
        summary: 'Add a change freeze',
        description:
          'One-off {"kind": "one_off", "startsAt", "endsAt"} or recurring {"kind": "recurring", "cron": "0 18 * * 5", ' +
          '"durationMinutes": 3600}, with a name, a reason and an IANA timezone (a cron is read in it). 400 for an ' +
          'invalid window. Audited. Role: admin.',
        body: FreezeWindowInputSchema,
        response: { 201: FreezeItemSchema, ...problems(403) },
      },
    },
    async (request, reply) => {
      const record = await createChangeFreeze(app.knex, request.body, request.principal!.name);
      request.log.info({ freeze: record.window.id, by: record.createdBy }, 'change freeze added');
      return reply.code(201).send({ item: dto(record) });
    },
  );

  app.delete(
    '/freezes/:id',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['config'],
        summary: 'Remove a change freeze',
        description:
          'Ends the window at once. Kept on record with who removed it and when (the audit trail names it); ' +
          'removing it again answers the same record. 404 for an unknown id. Role: admin.',
        params: FreezeIdParams,
        response: { 200: FreezeItemSchema, ...problems(403, 404) },
      },
    },
    async (request) => {
      const r = await deleteChangeFreeze(app.knex, request.params.id, request.principal!.name);
      if (!r)
        throw notFound(
          `No change freeze with id ${request.params.id}. GET /api/freezes lists them.`,
          'freeze-not-found',
        );
      if (r.removed) request.log.info({ freeze: r.record.window.id, by: r.record.deletedBy }, 'change freeze removed');
      return { item: dto(r.record) };
    },
  );
};
