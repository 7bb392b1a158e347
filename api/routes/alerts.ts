// Who was told about what: a finding's alert deliveries and the health of each alert channel.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { alertChannelHealth, listAlertDeliveries } from '../../db/repos/alert-deliveries';
import { getFinding } from '../../db/repos/findings';
import { requireRole } from '../plugins/auth';
import { notFound } from '../problem';
import { AlertChannelListSchema, AlertDeliveryListSchema } from '../schemas/alerts';
import { problems } from '../schemas/common';
import { FindingIdParams } from '../schemas/findings';

export const alertRoutes: FastifyPluginAsyncZod<{ configuredChannels: readonly string[] }> = async (app, opts) => {
  app.get(
    '/findings/:findingId/alert-deliveries',
    {
      onRequest: requireRole('viewer'),
      schema: {
        tags: ['findings'],
        summary: "A finding's alert deliveries",
        description:
          'Every trigger, reminder and resolve sent (or rehearsed by a dry run) for the finding, oldest first, with ' +
          'its status, attempts and last error. Role: viewer.',
        params: FindingIdParams,
        response: { 200: AlertDeliveryListSchema, ...problems(403, 404) },
      },
    },
    async (request) => {
      const { findingId } = request.params;
      if (!(await getFinding(app.knex, findingId)))
        throw notFound(
          `No finding with id ${findingId}. GET /api/autonomous/findings lists them.`,
          'finding-not-found',
        );
      const rows = await listAlertDeliveries(app.knex, findingId);
      return { items: rows.map(({ response: _response, ...row }) => row) };
    },
  );

  app.get(
    '/alerts/channels',
    {
      onRequest: requireRole('viewer'),
      schema: {
        tags: ['alerts'],
        summary: 'Alert channel health',
        description:
          'Per channel (configured, or with live deliveries on record): the last delivery it accepted, the last ' +
          'failed attempt and its error, and how many deliveries are delivered, pending and failed. Role: viewer.',
        response: { 200: AlertChannelListSchema, ...problems(403) },
      },
    },
    async () => {
      const health = new Map((await alertChannelHealth(app.knex)).map((h) => [h.channel, h]));
      const names = [...new Set([...opts.configuredChannels, ...health.keys()])].sort();
      return {
        channels: names.map((channel) => ({
          ...(health.get(channel) ?? {
            channel,
            lastSuccessAt: null,
            lastFailureAt: null,
            lastError: null,
            delivered: 0,
            pending: 0,
            failed: 0,
          }),
          configured: opts.configuredChannels.includes(channel),
        })),
      };
    },
  );
};
