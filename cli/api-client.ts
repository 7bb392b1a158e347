// The CLI's HTTP client for the operator api: every response is parsed with the api's own zod schemas,
// and every failure becomes a CliError that says what to do (api down, key missing or rejected, a
// problem+json from the api).
import type { z } from 'zod';
import { ProblemSchema } from '../api/schemas/common';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  key: string | null;
  /** Per-request timeout; default 15 s. */
  timeoutMs?: number;
}

export class ApiClient {
  constructor(private readonly opts: ApiClientOptions) {}

  async request<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    schema: S,
    body?: unknown,
  ): Promise<z.infer<S>> {
    if (!this.opts.key) {
      throw new CliError(
        'No API key: set FLOYO_API_KEY or pass --key (create one with `npm run keys -- create --role operator`).',
        2,
      );
    }
    const url = new URL(path, this.opts.baseUrl);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.opts.key}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new CliError(
        `Cannot reach the api at ${this.opts.baseUrl} (${cause}): is it running (npm start), and is FLOYO_API_URL / --url right?`,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new CliError(`The api answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      const problem = ProblemSchema.safeParse(json);
      const detail = problem.success ? problem.data.detail : text.slice(0, 300);
      const fields =
        problem.success && problem.data.errors?.length
          ? ` (${problem.data.errors.map((e) => `${e.path || e.location}: ${e.message}`).join('; ')})`
          : '';
      if (res.status === 401) throw new CliError(`The api rejected the key: ${detail}`, 3);
      if (res.status === 403) throw new CliError(`Not allowed: ${detail}`, 3);
      throw new CliError(`${method} ${url.pathname} failed with ${res.status}: ${detail}${fields}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new CliError(
        `The api's answer to ${method} ${url.pathname} does not match this CLI's contract (is the api a different version?): ${parsed.error.message.slice(0, 300)}`,
      );
    }
    return parsed.data;
  }
}
