// OpenAPI at /docs (UI) and /docs/json: every route's zod schemas, published through
// fastify-type-provider-zod's transforms, with the API-key security schemes.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import fp from 'fastify-plugin';

export const docsPlugin = fp(
  async (app) => {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Floyo Autonomous Engine API',
          version: '1.0.0',
          description:
            "Starts, queries and signals the engine's Temporal workflows and reads its state in PostgreSQL. " +
            'Errors are application/problem+json (RFC 9457). Roles: viewer < operator < admin.',
        },
        tags: [
          { name: 'cycles', description: 'Start cycle workflows and follow them' },
          { name: 'state', description: 'System state, decisions, learning, opportunities' },
          { name: 'findings', description: 'Issues and opportunities the detectors found' },
          { name: 'alerts', description: 'Alert channels (Slack, PagerDuty, a signed webhook) and their health' },
          { name: 'actions', description: 'Planned actions: the approval queue, gates, effects; approve or reject' },
          { name: 'approvals', description: 'Actions waiting for an operator (the older view of the queue)' },
          {
            name: 'campaigns',
            description: 'Message campaigns: one approval each, a rate-controlled rollout in waves',
          },
          { name: 'schedules', description: "The engine's Temporal schedules" },
          { name: 'config', description: 'Versioned thresholds and policies' },
          { name: 'ml', description: "Feedback on the platform's ML suggestions" },
          { name: 'keys', description: 'API keys (admin)' },
          { name: 'ops', description: 'Liveness, readiness and metrics' },
          { name: 'unsubscribe', description: 'One-click unsubscribe from the links in emails (public)' },
        ],
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', description: 'An engine API key as a bearer token' },
            apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An engine API key' },
          },
        },
        security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });
    await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  },
  { name: 'docs', fastify: '5.x' },
);
