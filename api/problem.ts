// RFC 9457 problem details: the one error shape every api response uses (docs/api.md), and the
// HttpProblem error that routes throw to produce one.
import { STATUS_CODES } from 'node:http';

export interface ProblemFieldError {
  /** Where the bad value was: body, querystring, params or headers. */
  location: string;
  /** Dotted path inside it, e.g. `phases.1`; empty for the whole object. */
  path: string;
  message: string;
  code: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: ProblemFieldError[];
}

// Defined beside the schemas, which the dashboard reads without Node's types.
export { PROBLEM_CONTENT_TYPE } from './schemas/common';

/** Problem types are URNs: stable identifiers clients can switch on, not links that must resolve. */
export function problemType(slug: string): string {
  return `urn:floyo:problem:${slug}`;
}

export function statusTitle(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/** An error a route throws on purpose; the error handler turns it into a problem response as is. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly type: string;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    detail: string,
    opts: { slug?: string; title?: string; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
    this.status = status;
    this.title = opts.title ?? statusTitle(status);
    this.type = opts.slug ? problemType(opts.slug) : 'about:blank';
    this.headers = opts.headers ?? {};
  }
}

export const badRequest = (detail: string, slug = 'bad-request') => new HttpProblem(400, detail, { slug });
export const notFound = (detail: string, slug = 'not-found') => new HttpProblem(404, detail, { slug });
export const conflict = (detail: string, slug = 'conflict') => new HttpProblem(409, detail, { slug });
export const forbidden = (detail: string) => new HttpProblem(403, detail, { slug: 'forbidden' });
export const unauthorized = (detail: string) =>
  new HttpProblem(401, detail, {
    slug: 'unauthorized',
    headers: { 'www-authenticate': 'Bearer realm="floyo-engine"' },
  });
