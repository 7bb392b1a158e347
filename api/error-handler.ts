// The app's one error handler and not-found handler: every error becomes application/problem+json.
// Client mistakes keep their status and message; infrastructure outages are 503 (Temporal's errors are
// mapped in temporal-errors.ts); anything else is a 500 whose details are logged, never sent.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ValidationError } from '../engine/safety/errors';
import {
  HttpProblem,
  PROBLEM_CONTENT_TYPE,
  problemType,
  statusTitle,
  type Problem,
  type ProblemFieldError,
} from './problem';
import { temporalProblem } from './temporal-errors';

const LOCATION_NAMES: Record<string, string> = {
  body: 'request body',
  querystring: 'query string',
  params: 'path parameters',
  headers: 'headers',
};

function send(reply: FastifyReply, problem: Problem, headers: Record<string, string> = {}): FastifyReply {
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

function base(request: FastifyRequest, status: number, detail: string, slug?: string, title?: string): Problem {
  return {
    type: slug ? problemType(slug) : 'about:blank',
    title: title ?? statusTitle(status),
    status,
    detail,
    instance: request.url,
  };
}

/** `/phases/1` → `phases.1`. */
function dotted(instancePath: string): string {
  return instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
}

function validationProblem(request: FastifyRequest, error: FastifyError): Problem {
  const location = (error as { validationContext?: string }).validationContext ?? 'body';
  const errors: ProblemFieldError[] = (error.validation ?? []).map((v) => ({
    location,
    path: dotted(v.instancePath ?? ''),
    message: v.message ?? 'invalid',
    code: v.keyword ?? 'invalid',
  }));
  const summary = errors
    .slice(0, 5)
    .map((e) => (e.path ? `${e.path}: ${e.message}` : e.message))
    .join('; ');
  const more = errors.length > 5 ? ` (and ${errors.length - 5} more)` : '';
  return {
    ...base(
      request,
      400,
      `Invalid ${LOCATION_NAMES[location] ?? location}: ${summary}${more}`,
      'validation-error',
      'Validation failed',
    ),
    errors,
  };
}

function isInfrastructureOutage(error: unknown): string | null {
  const e = error as { code?: unknown; name?: string };
  if (e.name === 'KnexTimeoutError') return 'PostgreSQL is busy or unreachable (connection pool timeout)';
  if (typeof e.code === 'string') {
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(e.code))
      return 'PostgreSQL is unreachable';
    // SQLSTATE class 08 (connection exception), 53300 too many connections, 57P01-03 server shutting down.
    if (/^08/.test(e.code) || ['53300', '57P01', '57P02', '57P03'].includes(e.code)) return 'PostgreSQL is unavailable';
  }
  return null;
}

export function problemErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof HttpProblem) {
    return send(
      reply,
      { type: error.type, title: error.title, status: error.status, detail: error.message, instance: request.url },
      error.headers,
    );
  }
  if (hasZodFastifySchemaValidationErrors(error) || (Array.isArray(error.validation) && error.validation.length > 0)) {
    return send(reply, validationProblem(request, error));
  }
  // A value the domain rejects (e.g. a threshold outside its range): the request's fault, with its issues.
  if (error instanceof ValidationError) {
    return send(reply, {
      ...base(request, 400, error.message, 'validation-error', 'Validation failed'),
      errors: error.issues.map((i) => ({ location: 'body', path: i.path, message: i.message, code: 'invalid_value' })),
    });
  }
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (error instanceof SyntaxError && error.statusCode === 400)) {
    return send(
      reply,
      base(request, 400, `The request body is not valid JSON: ${error.message}`, 'malformed-json', 'Malformed JSON'),
    );
  }
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return send(
      reply,
      base(
        request,
        400,
        'The body is empty but Content-Type is application/json: send `{}` or omit the Content-Type header.',
        'malformed-json',
        'Malformed JSON',
      ),
    );
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return send(
      reply,
      base(
        request,
        415,
        `Unsupported Content-Type '${request.headers['content-type'] ?? ''}': send a JSON body with Content-Type: application/json.`,
        'unsupported-media-type',
      ),
    );
  }
  const temporal = temporalProblem(error, request.server.temporal?.namespace ?? 'default');
  if (temporal) {
    if (temporal.status === 503) request.log.warn({ err: error }, temporal.detail);
    return send(
      reply,
      base(request, temporal.status, temporal.detail, temporal.slug),
      temporal.status === 503 ? { 'retry-after': '5' } : {},
    );
  }
  const outage = isInfrastructureOutage(error);
  if (outage) {
    request.log.warn({ err: error }, outage);
    return send(reply, base(request, 503, `${outage}; try again shortly.`, 'dependency-unavailable'), {
      'retry-after': '5',
    });
  }
  // Fastify's own client errors (body too large, bad content length, ...) carry a safe message.
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status >= 400 && status < 500) {
    return send(reply, base(request, status, error.message));
  }
  request.log.error({ err: error }, 'unhandled error');
  return send(
    reply,
    base(
      request,
      500,
      `An unexpected error occurred; it has been logged (request id ${request.id}).`,
      'internal-error',
    ),
  );
}

export function problemNotFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return send(
    reply,
    base(
      request,
      404,
      `No route ${request.method} ${request.url.split('?')[0]}. See /docs for the API.`,
      'route-not-found',
    ),
  );
}
