// The Fastify app (fastify/demo style): plugins, routes and one error handler. server.ts listens;
// tests call buildApp and use app.inject.
import crypto from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { config } from '../platform/config';
import { adapterProbes, type AdapterSettings } from '../worker/adapters';
import { configuredAlertChannels, type AlertChannelSettings } from '../worker/alert-channels';
import { problemErrorHandler, problemNotFoundHandler } from './error-handler';
import { HttpProblem } from './problem';
import { RequestLog } from './request-log';
import { authenticate, authPlugin } from './plugins/auth';
import { dashboardPlugin } from './plugins/dashboard';
import { docsPlugin } from './plugins/docs';
import { engineChangesPlugin } from './plugins/engine-changes';
import { knexPlugin } from './plugins/knex';
import { metricsPlugin } from './plugins/metrics';
import { readCachePlugin } from './plugins/read-cache';
import { auditMutatingRoutes } from './plugins/request-audit';
import { securityPlugin, type RateLimitOptions } from './plugins/security';
import { temporalPlugin } from './plugins/temporal';
import { actionRoutes } from './routes/actions';
import { alertRoutes } from './routes/alerts';
import { approvalRoutes } from './routes/approvals';
import { campaignRoutes } from './routes/campaigns';
import { configRoutes } from './routes/config';
import { cycleRoutes } from './routes/cycles';
import { findingRoutes } from './routes/findings';
import { freezeRoutes } from './routes/freezes';
import { historyRoutes } from './routes/history';
import { insightRoutes } from './routes/insights';
import { autonomyRoutes } from './routes/autonomy';
import { recoveredRevenueRoutes } from './routes/recovered-revenue';
import { keyRoutes } from './routes/keys';
import { mlRoutes } from './routes/ml';
import { opsRoutes } from './routes/ops';
import { runRoutes } from './routes/runs';
import { scheduleRoutes } from './routes/schedules';
import { sessionRoutes } from './routes/session';
import { slackInteractionRoutes, type SlackInteractionOptions } from './routes/slack-interactions';
import { systemStateRoutes } from './routes/system-state';
import { unsubscribeRoutes } from './routes/unsubscribe';

export interface AppDeps {
  db: Knex;
  temporal: { client: Client; namespace: string; taskQueue: string };
  logger?: boolean | FastifyServerOptions['logger'];
  /** Temporal Web UI base URL, for links in responses. */
  uiUrl?: string | null;
  /** Provisioned (upserted) as an admin key at start: ENGINE_BOOTSTRAP_ADMIN_KEY. */
  bootstrapAdminKey?: string;
  /** Per-key rate limit (default: API_RATE_LIMIT_MAX or 600 requests a minute). */
  rateLimit?: RateLimitOptions;
  /** What the app closes on close: the db and/or the Temporal connection it was handed (default: neither). */
  owns?: { db?: boolean; temporal?: boolean };
  /** The built dashboard served at `/` (default dashboard/dist). */
  dashboardDir?: string;
  /** The effect adapters the worker is configured with, shown and probed by /readyz (default: the config's). */
  adapters?: AdapterSettings;
  /** The alert channels the worker is configured with, for channel health (default: the config's). */
  alertChannels?: AlertChannelSettings;
  /** Approvals from Slack: the signing secret and the user mapping (default: the config's). */
  slack?: SlackInteractionOptions;
  /** The HMAC key of the unsubscribe links in emails (default UNSUBSCRIBE_SECRET); the worker's, to verify them. */
  unsubscribeSecret?: string;
}

export type App = FastifyInstance;

// A caller's own request id is kept (to follow a request across systems) when it is a sane token.
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    logger: deps.logger ?? false,
    logController: new RequestLog(),
    // Ids arrive in paths; anything longer is not ours and would only bloat logs.
    routerOptions: { maxParamLength: 200 },
    bodyLimit: 256 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    },
    // Router-level errors (malformed %-encoding, over-long path parameters) get the same problem shape.
    // void: the handler sends the reply itself; the reply it returns is thenable and frameworkErrors wants none.
    frameworkErrors: (error, request, reply) => void problemErrorHandler(error, request, reply),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(problemErrorHandler);
  app.setNotFoundHandler(problemNotFoundHandler);
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });

  // `curl -d '{"dry_run": true}'` (the seed's documented call) sends form encoding with a JSON body:
  // accept JSON there too, and say clearly what to send otherwise.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, undefined);
    if (!text.startsWith('{')) {
      return done(
        new HttpProblem(415, 'Form-encoded bodies are not supported: send JSON with Content-Type: application/json.', {
          slug: 'unsupported-media-type',
        }),
        undefined,
      );
    }
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(
        new HttpProblem(400, `The request body is not valid JSON: ${(err as Error).message}`, {
          slug: 'malformed-json',
          title: 'Malformed JSON',
        }),
        undefined,
      );
    }
  });

  await app.register(knexPlugin, { db: deps.db, destroyOnClose: deps.owns?.db ?? false });
  await app.register(engineChangesPlugin);
  await app.register(temporalPlugin, {
    temporal: { ...deps.temporal, uiUrl: deps.uiUrl ?? null },
    closeOnClose: deps.owns?.temporal ?? false,
  });
  await app.register(metricsPlugin);
  await app.register(authPlugin, { bootstrapAdminKey: deps.bootstrapAdminKey });
  await app.register(securityPlugin, { rateLimit: deps.rateLimit });
  await app.register(readCachePlugin);
  await app.register(docsPlugin);

  // Public: health and metrics (and /docs, registered above).
  await app.register(opsRoutes, {
    adapters: adapterProbes(deps.adapters ?? config),
    mode: {
      appSchemaReadOnly: config.APP_SCHEMA_READ_ONLY,
      alertChannels: configuredAlertChannels(deps.alertChannels ?? config),
      slackApprovals: config.SLACK_BOT_TOKEN !== undefined,
    },
  });

  // Public but signed by Slack: the signing secret, not an API key, admits the caller.
  await app.register(slackInteractionRoutes, {
    prefix: '/api/integrations/slack',
    ...(deps.slack ?? {
      signingSecret: config.SLACK_SIGNING_SECRET,
      operators: config.SLACK_OPERATORS ?? new Map(),
    }),
  });

  // Public too: the one-click unsubscribe links in emails carry their own signed token.
  await app.register(unsubscribeRoutes, {
    prefix: '/api',
    secret: deps.unsubscribeSecret ?? config.UNSUBSCRIBE_SECRET,
  });

  // Everything else under /api needs an API key; each route states the role it needs.
  await app.register(
    async (api) => {
      api.addHook('onRequest', authenticate);
      api.addHook('onRoute', auditMutatingRoutes);
      await api.register(runRoutes, { prefix: '/autonomous' });
      await api.register(systemStateRoutes, { prefix: '/autonomous' });
      await api.register(cycleRoutes, { prefix: '/autonomous' });
      await api.register(insightRoutes, { prefix: '/autonomous' });
      await api.register(autonomyRoutes, { prefix: '/autonomous' });
      await api.register(recoveredRevenueRoutes, { prefix: '/autonomous' });
      await api.register(findingRoutes, { prefix: '/autonomous' });
      await api.register(alertRoutes, {
        prefix: '/autonomous',
        configuredChannels: configuredAlertChannels(deps.alertChannels ?? config),
      });
      await api.register(actionRoutes, { prefix: '/autonomous' });
      await api.register(approvalRoutes, { prefix: '/autonomous' });
      await api.register(campaignRoutes, { prefix: '/autonomous' });
      await api.register(scheduleRoutes, { prefix: '/autonomous' });
      await api.register(configRoutes, { prefix: '/autonomous' });
      await api.register(historyRoutes, { prefix: '/autonomous' });
      await api.register(sessionRoutes);
      await api.register(freezeRoutes);
      await api.register(mlRoutes, { prefix: '/ml' });
      await api.register(keyRoutes);
    },
    { prefix: '/api' },
  );

  // The operator dashboard's static files at `/` (after the api, whose routes take precedence).
  await app.register(dashboardPlugin, { root: deps.dashboardDir });

  return app;
}
