// Public operational routes: GET /healthz (liveness), GET /readyz and /health (PostgreSQL, Temporal and the
// selected effect adapters' reachability) and GET /metrics.
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AdapterProbe } from '../../worker/adapters';
import { refreshEngineGauges } from '../plugins/metrics';

const CHECK_TIMEOUT_MS = 2_000;

// Probes and scrapes are never rate-limited: the limiter is left off these routes altogether.
const UNLIMITED = { rateLimit: false } as const;

const Check = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() });
const AdapterCheck = Check.extend({ adapter: z.string().describe('The selected adapter, e.g. stripe or smtp') });
const ModeSchema = z
  .object({
    appSchemaReadOnly: z.boolean().describe('APP_SCHEMA_READ_ONLY: the engine never writes schema app'),
    alertChannels: z.array(z.string()).describe('The alert channels configured (pagerduty, slack, webhook)'),
    slackApprovals: z.boolean().describe('Approval requests are posted to Slack'),
  })
  .describe('How this deployment is set up: informational, not checked');
export type ReadinessMode = z.infer<typeof ModeSchema>;

const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    checks: z.object({ database: Check, temporal: Check, paymentGateway: AdapterCheck, messenger: AdapterCheck }),
    mode: ModeSchema,
    namespace: z.string(),
    taskQueue: z.string(),
  })
  .meta({ id: 'Health' });

const LivenessSchema = z.object({ status: z.literal('ok'), uptimeSeconds: z.number() }).meta({ id: 'Liveness' });

async function timed(fn: () => Promise<unknown>): Promise<z.infer<typeof Check>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: (err as Error).message.split('\n')[0],
    };
  } finally {
    clearTimeout(timer);
  }
}

export const opsRoutes: FastifyPluginAsyncZod<{
  adapters: { paymentGateway: AdapterProbe; messenger: AdapterProbe };
  mode: ReadinessMode;
}> = async (app, opts) => {
  async function readiness(_request: unknown, reply: FastifyReply) {
    const { client, namespace, taskQueue } = app.temporal;
    const database = timed(() => app.knex.raw('select 1'));
    // The sandbox and the outbox live in PostgreSQL: their check is the database's.
    const adapterCheck = async ({ name, probe }: AdapterProbe) => ({
      adapter: name,
      ...(await (probe ? timed(() => probe(CHECK_TIMEOUT_MS)) : database)),
    });
    const [db, temporal, paymentGateway, messenger] = await Promise.all([
      database,
      timed(() => client.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => client.workflowService.getSystemInfo({}))),
      adapterCheck(opts.adapters.paymentGateway),
      adapterCheck(opts.adapters.messenger),
    ]);
    const ok = db.ok && temporal.ok && paymentGateway.ok && messenger.ok;
    // A load balancer retries a not-ready instance; say when.
    if (!ok) reply.header('retry-after', '5');
    return reply.code(ok ? 200 : 503).send({
      status: ok ? 'ok' : 'degraded',
      checks: { database: db, temporal, paymentGateway, messenger },
      mode: opts.mode,
      namespace,
      taskQueue,
    });
  }

  app.get(
    '/healthz',
    {
      config: UNLIMITED,
      schema: {
        tags: ['ops'],
        summary: 'Liveness',
        description:
          'The process is up and serving; checks no dependency (restart the process only when this fails). Public.',
        security: [],
        response: { 200: LivenessSchema },
      },
    },
    async () => ({ status: 'ok' as const, uptimeSeconds: Math.round(process.uptime()) }),
  );

  for (const url of ['/readyz', '/health']) {
    app.get(
      url,
      {
        config: UNLIMITED,
        schema: {
          tags: ['ops'],
          summary:
            url === '/readyz'
              ? 'Readiness: PostgreSQL, Temporal and the effect adapters reachable'
              : 'Dependency reachability (same as /readyz)',
          description:
            '200 when PostgreSQL, Temporal and the selected payment gateway and messenger (named in checks, no ' +
            'secrets) answer within 2 s, 503 with Retry-After otherwise. Public.',
          security: [],
          response: { 200: HealthSchema, 503: HealthSchema },
        },
      },
      readiness,
    );
  }

  app.get(
    '/metrics',
    {
      config: UNLIMITED,
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics',
        description: 'Prometheus text exposition format. Public.',
        security: [],
        produces: ['text/plain'],
        response: { 200: z.string().describe('Prometheus text format') },
      },
    },
    async (_request, reply) => {
      await refreshEngineGauges(app.metrics, app.knex);
      const body = await app.metrics.registry.metrics();
      return reply.type(app.metrics.registry.contentType).send(body);
    },
  );
};
