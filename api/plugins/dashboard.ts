// Serves the operator dashboard (dashboard/dist, built by `npm run build:dashboard`) at `/`. The api's
// own routes (/api, /docs, /metrics, /health) are untouched: the app's page paths (platform/dashboard-pages.ts)
// answer a GET that asks for HTML with index.html, so a reload or bookmark of a page works. There is no
// catch-all route: everything else keeps the api's problem+json 404 (and 414 for over-long ids).
import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DASHBOARD_PAGES } from '../../platform/dashboard-pages';
import { dashboardDist } from '../../platform/paths';

const wantsHtml = (request: FastifyRequest) => String(request.headers.accept ?? '').includes('text/html');

const NOT_BUILT_HTML = `<!doctype html><meta charset="utf-8"><title>Floyo dashboard not built</title>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto;line-height:1.5">
<h1>The dashboard is not built</h1><p>Run <code>npm run build:dashboard</code> (or restart with <code>npm start</code>, which builds it), then reload.
The api itself is up: see <a href="/docs">/docs</a>.</p></body>`;

export async function dashboardPlugin(app: import('fastify').FastifyInstance, opts: { root?: string }): Promise<void> {
  const root = opts.root ?? dashboardDist;
  const index = path.join(root, 'index.html');
  const built = fs.existsSync(index);

  if (built) {
    await app.register(fastifyStatic, {
      root,
      // Files are listed once at start (the build runs before the api starts): no catch-all route.
      wildcard: false,
      index: ['index.html'],
      setHeaders: (res, filePath) => {
        // Vite hashes asset names, so they never change; index.html must always be revalidated.
        res.header(
          'cache-control',
          filePath.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  } else {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT_HTML),
    );
  }

  const fallback = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!wantsHtml(request)) return reply.callNotFound();
    if (!built) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT_HTML);
    return reply.header('cache-control', 'no-cache').sendFile('index.html', root);
  };
  // `/` itself is index.html, served by @fastify/static above.
  for (const { path: page } of DASHBOARD_PAGES) if (page !== '/') app.get(page, { schema: { hide: true } }, fallback);
}
