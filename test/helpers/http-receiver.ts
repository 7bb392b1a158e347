// A real HTTP receiver on 127.0.0.1 (port 0) that records every request and answers from a script of
// statuses (the last one repeats), so an adapter is tested against the wire, outages included.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface HttpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Answers to the next requests, in order; the last one repeats. */
  reply(...replies: Reply[]): void;
  close(): Promise<void>;
}

export async function startHttpReceiver(
  validate?: (req: ReceivedRequest) => string | null,
  initial: Reply = { status: 200, body: 'ok' },
): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  let script: Reply[] = [initial];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      const invalid = validate?.(received) ?? null;
      const next = script.length > 1 ? script.shift()! : script[0]!;
      const reply = invalid ? { status: 400, body: invalid } : next;
      res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply: (...replies) => {
      script = replies;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
