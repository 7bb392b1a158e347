// One log line per request, at a level that follows what happened: reads that went well are what dashboards
// and probes poll all day, so they log at debug (LOG_LEVEL=debug shows them); changes, client errors and
// slow answers at info; 429 at warn; 5xx at error. Fastify's default is two info lines for every request.
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';

const SLOW_MS = 1_000;

export function requestLogLevel(method: string, status: number, ms: number): 'debug' | 'info' | 'warn' | 'error' {
  if (status >= 500) return 'error';
  if (status === 429) return 'warn';
  if (ms >= SLOW_MS || status >= 400 || (method !== 'GET' && method !== 'HEAD')) return 'info';
  return 'debug';
}

export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const ms = reply.elapsedTime;
    const level = error ? 'error' : requestLogLevel(request.method, reply.statusCode, ms);
    // Reads log at debug, usually off: the line is built only when it will be written.
    const log: FastifyBaseLogger & { isLevelEnabled?(level: string): boolean } = reply.log;
    if (log.isLevelEnabled && !log.isLevelEnabled(level)) return;
    log[level](
      {
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        ms: Math.round(ms),
        ...(error ? { err: error } : {}),
      },
      'request completed',
    );
  }
}
