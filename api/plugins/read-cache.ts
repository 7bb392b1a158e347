// Read routes that only read engine tables (route config `readCache: true`) are answered from memory until
// the engine's state changes: the serialized 200 body is kept per URL and dropped on every change
// notification (app.engineChanges). Without a live change feed nothing is cached or served from cache.
// Served after authentication, the role check and the rate limit, so a cached answer is never a way around them,
// from the onRequest hook right after them: a hit skips parsing, validation and the handler's hooks.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { LRUCache } from 'lru-cache';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answer from memory until the engine's state changes (only for routes that read engine tables alone). */
    readCache?: boolean;
  }
}

interface Entry {
  // Bytes, so a hit is written without encoding the JSON again.
  body: Buffer;
  contentType: string;
}

// Bounded by bytes: a few MB of JSON covers every page the dashboard and scripts poll.
const MAX_BYTES = 32 * 1024 * 1024;
const generationAtStart = new WeakMap<FastifyRequest, number>();

export const readCachePlugin = fp(
  async (app) => {
    const changes = app.engineChanges;
    const cache = new LRUCache<string, Entry>({ maxSize: MAX_BYTES, sizeCalculation: (e) => e.body.length + 1 });
    changes.onChange(() => cache.clear());
    // This process's own writes are dropped at once, before their notification comes back: a hook on the
    // routes that take another method than GET or HEAD (added below), so reads carry none.
    const clearAfterWrite = (_request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      cache.clear();
      done();
    };

    // A callback hook: a hit is sent from here (done is then not called), with no promise on the way.
    function serveCached(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
      if (!changes.live) {
        reply.header('x-cache', 'bypass');
        return done();
      }
      // A client that asks for a fresh answer (Cache-Control: no-cache, as browsers send on reload) gets one.
      const fresh = /\bno-cache\b/i.test(String(request.headers['cache-control'] ?? ''));
      const hit = fresh ? undefined : cache.get(request.url);
      if (hit) {
        reply.header('x-cache', 'hit').type(hit.contentType).send(hit.body);
        return;
      }
      generationAtStart.set(request, changes.generation);
      reply.header('x-cache', 'miss');
      done();
    }

    function keep(
      request: FastifyRequest,
      reply: FastifyReply,
      payload: unknown,
      done: (err: null, payload: unknown) => void,
    ) {
      const started = generationAtStart.get(request);
      // Stored only when nothing changed while the answer was computed.
      if (started !== undefined && started === changes.generation && changes.live) {
        if (reply.statusCode === 200 && typeof payload === 'string') {
          cache.set(request.url, {
            body: Buffer.from(payload),
            contentType: String(reply.getHeader('content-type') ?? 'application/json'),
          });
        }
      }
      done(null, payload);
    }

    // Added as route hooks after the role check's (the route's own) and the rate limit's (registered earlier),
    // so they run after both.
    app.addHook('onRoute', (route) => {
      if ([route.method].flat().some((m) => m !== 'GET' && m !== 'HEAD'))
        route.onResponse = [...[route.onResponse ?? []].flat(), clearAfterWrite];
      if (!route.config?.readCache || route.method !== 'GET') return;
      route.onRequest = [...[route.onRequest ?? []].flat(), serveCached];
      route.onSend = [...[route.onSend ?? []].flat(), keep];
    });
  },
  { name: 'read-cache', fastify: '5.x', dependencies: ['engine-changes', 'security'] },
);
