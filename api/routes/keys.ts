// API key management (admin): list, create (the raw key is returned once) and revoke. Keys are
// stored as SHA-256 hashes in engine.api_keys; `npm run keys` does the same from a terminal.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { appendAudit } from '../../db/repos/audit';
import { requireRole } from '../plugins/auth';
import { conflict, notFound } from '../problem';
import { createApiKey, getApiKeyInfo, listApiKeys, revokeApiKey } from '../../db/repos/api-keys';
import { problems } from '../schemas/common';
import {
  ApiKeyListSchema,
  ApiKeySchema,
  CreatedKeySchema,
  CreateKeyBody,
  KeyIdParams,
  ListKeysQuery,
} from '../schemas/keys';

export const keyRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/keys',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['keys'],
        summary: 'API keys (never the keys themselves)',
        description: 'Active keys, newest first; includeRevoked=true adds revoked ones. Role: admin.',
        querystring: ListKeysQuery,
        response: { 200: ApiKeyListSchema, ...problems(403) },
      },
    },
    async (request) => ({ items: await listApiKeys(app.knex, { includeRevoked: request.query.includeRevoked }) }),
  );

  app.post(
    '/keys',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['keys'],
        summary: 'Create an API key',
        description: 'Returns the raw key once; only its hash is stored. Role: admin.',
        body: CreateKeyBody,
        response: { 201: CreatedKeySchema, ...problems(403) },
      },
    },
    async (request, reply) => {
      const { key, principal } = await createApiKey(app.knex, request.body.name, request.body.role);
      const info = (await getApiKeyInfo(app.knex, principal.id))!;
      await appendAudit(app.knex, {
        actor: request.principal!.name,
        event: 'api_key.created',
        target: `api_key:${principal.id}`,
        after: { id: principal.id, name: principal.name, role: principal.role, requestId: request.id },
        dryRun: false,
      });
      return reply.code(201).send({ ...info, key });
    },
  );

  app.delete(
    '/keys/:keyId',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['keys'],
        summary: 'Revoke an API key',
        description:
          "The key stops working at once. 409 when it is the caller's own key (use another admin key). Role: admin.",
        params: KeyIdParams,
        response: { 200: ApiKeySchema, ...problems(403, 404, 409) },
      },
    },
    async (request) => {
      const { keyId } = request.params;
      const info = await getApiKeyInfo(app.knex, keyId);
      if (!info) throw notFound(`No API key with id ${keyId}. GET /api/keys lists them.`, 'api-key-not-found');
      // Revoking the key you are using could lock the last admin out.
      if (keyId === request.principal!.id)
        throw conflict('An admin cannot revoke the key it is using; revoke it with another admin key.', 'own-key');
      if (!info.revokedAt) {
        await revokeApiKey(app.knex, keyId);
        // Refused from the next request on, without waiting for the change notification.
        app.knownKeys.clear();
        await appendAudit(app.knex, {
          actor: request.principal!.name,
          event: 'api_key.revoked',
          target: `api_key:${keyId}`,
          before: { name: info.name, role: info.role },
          after: { revoked: true, requestId: request.id },
          dryRun: false,
        });
      }
      return (await getApiKeyInfo(app.knex, keyId))!;
    },
  );
};
