// Prometheus metrics (`GET /metrics`, public): default process metrics, request durations per route,
// and counters of cycles started and approvals decided. One registry per app, so two apps in one
// process (tests) never collide.
import client from 'prom-client';
import { shared } from './shared';

export interface EngineMetrics {
  registry: client.Registry;
  httpDuration: client.Histogram<'method' | 'route' | 'status_code'>;
  cyclesStarted: client.Counter<'kind' | 'dry_run'>;
  approvalsDecided: client.Counter<'decision'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: EngineMetrics;
  }
}

export function createMetrics(): EngineMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'floyo_api_' });
  return {
    registry,
    httpDuration: new client.Histogram({
      name: 'floyo_api_http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    cyclesStarted: new client.Counter({
      name: 'floyo_api_cycles_started_total',
      help: 'Cycle workflows started through the api, by kind and dry-run flag',
      labelNames: ['kind', 'dry_run'],
      registers: [registry],
    }),
    approvalsDecided: new client.Counter({
      name: 'floyo_api_approvals_decided_total',
      help: 'Approve/reject signals sent through the api',
      labelNames: ['decision'],
      registers: [registry],
    }),
  };
}

export const metricsPlugin = shared('metrics', async (app) => {
  const metrics = createMetrics();
  app.decorate('metrics', metrics);
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the raw url, keeps the label set bounded; unmatched urls share one label.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
});
