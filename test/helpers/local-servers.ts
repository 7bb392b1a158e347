// The local stripe-mock and Mailpit the global setup started for this run, and a recording HTTP proxy.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inject } from 'vitest';

function provided(name: 'stripeMockUrl' | 'mailpit'): string {
  const value = inject(name);
  if (value.startsWith('error: ')) throw new Error(`the test setup could not start ${name}: ${value.slice(7)}`);
  return value;
}

export function stripeMockUrl(): string {
  return provided('stripeMockUrl');
}

export function mailpitServer(): { smtpHost: string; smtpPort: number; apiUrl: string } {
  return JSON.parse(provided('mailpit'));
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number;
  /** What the client got back. */
  responseBody: string;
}

export interface RecordingProxy {
  url: string;
  requests: RecordedRequest[];
  /** Answers the next request itself with this status, headers and JSON body instead of forwarding it. */
  answerNext(status: number, body: unknown, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

/** A loopback HTTP proxy to `upstream` that records every request as it went over the wire. */
export async function startRecordingProxy(upstream: string): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = [];
  const canned: { status: number; body: unknown; headers: Record<string, string> }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void answer());
    const answer = async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry: RecordedRequest = {
        method: req.method!,
        path: req.url!,
        headers: req.headers,
        body,
        status: 0,
        responseBody: '',
      };
      requests.push(entry);
      const cannedAnswer = canned.shift();
      if (cannedAnswer) {
        entry.status = cannedAnswer.status;
        entry.responseBody = JSON.stringify(cannedAnswer.body);
        res.writeHead(cannedAnswer.status, { 'content-type': 'application/json', ...cannedAnswer.headers });
        res.end(entry.responseBody);
        return;
      }
      const headers = { ...req.headers } as Record<string, string>;
      delete headers.host;
      delete headers['content-length'];
      const up = await fetch(new URL(req.url!, upstream), {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
      });
      entry.status = up.status;
      entry.responseBody = await up.text();
      res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
      res.end(entry.responseBody);
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    answerNext: (status, body, headers = {}) => canned.push({ status, body, headers }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
