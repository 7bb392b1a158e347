// What the detectors found: engine.findings (one row per fingerprint, across cycles), filtered.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { requireRole } from '../plugins/auth';
import { notFound } from '../problem';
import { getFinding, listFindings } from '../../db/repos/findings';
import { FindingSchema, problems } from '../schemas/common';
import { FindingIdParams, FindingListSchema, ListFindingsQuery } from '../schemas/findings';

export const findingRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/findings',
    {
      onRequest: requireRole('viewer'),
      config: { readCache: true },
      schema: {
        tags: ['findings'],
        summary: 'Findings (default: open, most severe first)',
        description:
          'Issues and opportunities the detectors found, with confidence, evidence and first/last seen. Role: viewer.',
        querystring: ListFindingsQuery,
        response: { 200: FindingListSchema, ...problems(403) },
      },
    },
    async (request) => {
      const q = request.query;
      const { items, total } = await listFindings(app.knex, q);
      return { items, total, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    '/findings/:findingId',
    {
      onRequest: requireRole('viewer'),
      config: { readCache: true },
      schema: {
        tags: ['findings'],
        summary: 'One finding',
        description: 'Role: viewer.',
        params: FindingIdParams,
        response: { 200: FindingSchema, ...problems(403, 404) },
      },
    },
    async (request) => {
      const finding = await getFinding(app.knex, request.params.findingId);
      if (!finding)
        throw notFound(
          `No finding with id ${request.params.findingId}. GET /api/autonomous/findings lists them.`,
          'finding-not-found',
        );
      return finding;
    },
  );
};
