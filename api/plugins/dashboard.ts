// Serves the operator dashboard (dashboard/dist, built by `npm run build:dashboard`) at `/`. The api's
// own routes (/api, /docs, /metrics, /health) are registered explicitly and win; any other GET that
// asks for HTML gets index.html so the single-page app's client-side routes survive a reload. Everything
// else falls through to the api's problem+json 404.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const DEFAULT_DASHBOARD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dashboard', 'dist');

const API_PATHS = /^\/(api|docs|metrics|health)(\/|$|\?)/;

const wantsHtml = (request: FastifyRequest) => String(request.headers.accept ?? '').includes('text/html');

const NOT_BUILT_HTML = `<!doctype html><meta charset="utf-8"><title>Floyo dashboard not built</title>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto;line-height:1.5">
<h1>The dashboard is not built</h1><p>Run <code>npm run build:dashboard</code> (or restart with <code>npm start</code>, which builds it), then reload.
The api itself is up: see <a href="/docs">/docs</a>.</p></body>`;

export async function dashboardPlugin(app: import('fastify').FastifyInstance, opts: { root?: string }): Promise<void> {
  const root = opts.root ?? DEFAULT_DASHBOARD_DIR;
  const index = path.join(root, 'index.html');
  const built = fs.existsSync(index);

  if (built) {
    await app.register(fastifyStatic, {
      root,
      // Files are listed once at start (the build runs before the api starts), so unknown paths reach
      // the fallback below instead of a static-file 404.
      wildcard: false,
      index: ['index.html'],
      setHeaders: (res, filePath) => {
        // Vite hashes asset names, so they never change; index.html must always be revalidated.
        res.header('cache-control', filePath.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  } else {
    app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT_HTML));
  }

  const fallback = async (request: FastifyRequest, reply: FastifyReply) => {
    if (API_PATHS.test(request.url) || !wantsHtml(request)) return reply.callNotFound();
    if (!built) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT_HTML);
    return reply.header('cache-control', 'no-cache').sendFile('index.html', root);
  };
  app.get('/*', { schema: { hide: true } }, fallback);
}
