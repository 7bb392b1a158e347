// Public operational routes: GET /healthz (liveness), GET /readyz and /health (PostgreSQL and Temporal
// reachability) and GET /metrics.
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { refreshEngineGauges } from '../plugins/metrics';

const CHECK_TIMEOUT_MS = 2_000;

const Check = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() });
const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    checks: z.object({ database: Check, temporal: Check }),
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

export const opsRoutes: FastifyPluginAsyncZod = async (app) => {
  async function readiness(_request: unknown, reply: FastifyReply) {
    const { client, namespace, taskQueue } = app.temporal;
    const [database, temporal] = await Promise.all([
      timed(() => app.knex.raw('select 1')),
      timed(() => client.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => client.workflowService.getSystemInfo({}))),
    ]);
    const ok = database.ok && temporal.ok;
    // A load balancer retries a not-ready instance; say when.
    if (!ok) reply.header('retry-after', '5');
    return reply
      .code(ok ? 200 : 503)
      .send({ status: ok ? 'ok' : 'degraded', checks: { database, temporal }, namespace, taskQueue });
  }

  app.get(
    '/healthz',
    {
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
        schema: {
          tags: ['ops'],
          summary:
            url === '/readyz'
              ? 'Readiness: PostgreSQL and Temporal reachable'
              : 'Dependency reachability (same as /readyz)',
          description: '200 when PostgreSQL and Temporal answer within 2 s, 503 with Retry-After otherwise. Public.',
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
