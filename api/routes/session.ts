// Who the caller is: the API key's name and role, so a client (the dashboard) can show the controls
// that role may use and hide the others. Any valid key may ask; the answer never includes the key.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLES } from '../../db/repos/api-keys';
import { requireRole } from '../plugins/auth';
import { problems } from '../schemas/common';

const SessionSchema = z.object({ name: z.string(), role: z.enum(ROLES) }).meta({ id: 'Session' });

export const sessionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/session',
    {
      onRequest: requireRole('viewer'),
      schema: {
        tags: ['ops'],
        summary: "The calling API key's name and role",
        description: 'Role: viewer (any valid key).',
        response: { 200: SessionSchema, ...problems(403) },
      },
    },
    async (request) => ({ name: request.principal!.name, role: request.principal!.role }),
  );
};
