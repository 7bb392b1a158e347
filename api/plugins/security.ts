// Security headers (helmet) and per-key rate limiting. The limit runs after authentication so a key's
// budget follows the key, not the address it calls from; unauthenticated calls are limited by IP.
// Probes and scrapes (/healthz, /readyz, /health, /metrics) are never limited: their routes opt out.
// helmet itself rather than @fastify/helmet 13, which builds a new helmet middleware (parsing the CSP) on every
// request: helmet runs once at start and its headers, which depend on no request, are set from that copy.
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import rateLimit from '@fastify/rate-limit';
import { config } from '../../platform/config';
import { HttpProblem } from '../problem';
import fp from 'fastify-plugin';

export interface RateLimitOptions {
  /** Requests per key (or IP) per window; default API_RATE_LIMIT_MAX or 600. */
  max?: number;
  /** Window in ms; default 60 000. */
  windowMs?: number;
}

/** The headers helmet sets with these options, captured from one run against a response stub. */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value),
    // X-Powered-By, which neither Node nor Fastify sets.
    removeHeader: () => undefined,
  };
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw new Error('helmet could not compute the security headers', { cause: err });
  });
  return headers;
}

export const securityPlugin = fp<{ rateLimit?: RateLimitOptions }>(
  async (app, opts) => {
    const securityHeaders = helmetHeaders({
      // The Swagger UI at /docs and the dashboard load only their own scripts and styles.
      contentSecurityPolicy: {
        directives: {
          'script-src': ["'self'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
        },
      },
    });
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(securityHeaders);
      done();
    });
    const max = opts.rateLimit?.max ?? config.API_RATE_LIMIT_MAX;
    const timeWindow = opts.rateLimit?.windowMs ?? 60_000;
    await app.register(rateLimit, {
      global: true,
      // Right after authentication (the key's budget), so the read cache can answer from the same hook stage.
      hook: 'onRequest',
      max,
      timeWindow,
      keyGenerator: (request) => (request.principal ? `key:${request.principal.id}` : `ip:${request.ip}`),
      errorResponseBuilder: (request, context) =>
        new HttpProblem(
          429,
          `Rate limit of ${context.max} requests per ${Math.round(timeWindow / 1000)} s exceeded for ${request.principal ? `the key '${request.principal.name}'` : 'this address'}; retry after ${context.after}.`,
          {
            slug: 'rate-limited',
            headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) },
          },
        ),
    });
  },
  { name: 'security', fastify: '5.x' },
);
