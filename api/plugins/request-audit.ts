// Every mutating request under /api is appended to engine.audit_log with the key's name, the route,
// the outcome status and the request id — refused ones too (a 403 is worth knowing about). Written in
// onSend, before the response leaves, so a client that saw the answer can rely on the entry.
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { appendAudit } from '../../db/repos/audit';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const RUN_ROUTE = /\/(run-cycle|auto-remediate|self-optimize|self-heal|monitor-and-respond)$/;

/** onRoute hook: the audit goes on the routes that take a mutating method only, so reads carry no audit hook. */
export function auditMutatingRoutes(route: RouteOptions): void {
  if (![route.method].flat().some((m) => MUTATING.has(m))) return;
  route.onSend = [...[route.onSend ?? []].flat(), auditMutatingRequest];
}

/** onSend hook; a callback one, so a read on a route that also takes a mutating method costs no promise. */
function auditMutatingRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: Error | null, payload?: unknown) => void,
): void {
  if (!MUTATING.has(request.method)) return done(null, payload);
  void audit(request, reply).then(() => done(null, payload));
}

async function audit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const route = request.routeOptions.url ?? request.url.split('?')[0] ?? request.url;
  const body = (request.body ?? null) as { dryRun?: unknown; dry_run?: unknown } | null;
  // Only a cycle start can be live; everything else changes engine records, never app data.
  const dryRun = RUN_ROUTE.test(route) ? !(body?.dryRun === false || body?.dry_run === false) : false;
  try {
    await appendAudit(request.server.knex, {
      actor: request.principal?.name ?? 'anonymous',
      event: 'api.request',
      target: `${request.method} ${route}`,
      after: {
        status: reply.statusCode,
        requestId: request.id,
        params: request.params ?? {},
        role: request.principal?.role ?? null,
        ip: request.ip,
      },
      dryRun,
    });
  } catch (err) {
    // The request's own outcome stands; a lost audit line is logged loudly rather than turned into a 500.
    request.log.error({ err }, 'could not audit the request');
  }
}
