// One JSON POST to an alert provider, with its answer classified: 2xx delivered, 5xx/429/network retryable,
// any other 4xx non-retryable with the provider's own words in the message.
import { NonRetryableError } from '../effects/errors';
import { AlertDeliveryError } from './delivery-error';

export interface PostResult {
  httpStatus: number;
  /** The answer parsed as JSON when it is JSON, else its text (truncated). */
  response: unknown;
}

const MAX_RESPONSE_CHARS = 2000;

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, MAX_RESPONSE_CHARS);
  }
}

function retryAfterSeconds(header: string | null): number | undefined {
  if (!header) return undefined;
  const n = Number(header);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** URLs carry secrets (a Slack webhook's path, a routing key): errors name only the origin. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid URL';
  }
}

export async function postJson(opts: {
  channel: string;
  url: string;
  body: string;
  headers?: Record<string, string>;
  timeoutMs: number;
}): Promise<PostResult> {
  const where = originOf(opts.url);
  let res: Response;
  try {
    res = await fetch(opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...opts.headers },
      body: opts.body,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new AlertDeliveryError(`${opts.channel}: could not reach ${where} (${cause}); will retry`, {
      channel: opts.channel,
    });
  }
  const text = await res.text();
  const response = parseBody(text);
  if (res.ok) return { httpStatus: res.status, response };
  const said = typeof response === 'string' ? response : JSON.stringify(response);
  if (res.status >= 500 || res.status === 429) {
    throw new AlertDeliveryError(`${opts.channel}: ${where} answered ${res.status} ${said}; will retry`, {
      channel: opts.channel,
      httpStatus: res.status,
      retryAfterSeconds: retryAfterSeconds(res.headers.get('retry-after')),
    });
  }
  throw new NonRetryableError(
    `${opts.channel}: ${where} refused the alert with ${res.status} ${said}; fix the channel's configuration or payload`,
    `http_${res.status}`,
  );
}
