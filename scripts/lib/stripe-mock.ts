// Runs stripe-mock (Stripe's official API mock, validating requests against Stripe's OpenAPI spec) for tests.
import path from 'node:path';
import { ensureGoTool, type GoTool } from './go-tool';
import { freeLoopbackPorts, startLocalServer } from './local-server';
import { dataDir } from '../../platform/paths';

export const STRIPE_MOCK: GoTool = {
  name: 'stripe-mock',
  module: 'github.com/stripe/stripe-mock',
  version: 'v0.203.0',
  homepage: 'https://github.com/stripe/stripe-mock',
};

export interface StripeMockHandle {
  /** e.g. http://127.0.0.1:41234 — the apiBase for createStripePaymentGateway. */
  url: string;
  stop(): Promise<void>;
}

/** Builds stripe-mock on first use, starts it on a free loopback port (HTTP only) and waits until it answers. */
export async function ensureStripeMock(opts: { log: (m: string) => void }): Promise<StripeMockHandle> {
  const binary = await ensureGoTool(STRIPE_MOCK, opts.log);
  const [port, httpsPort] = await freeLoopbackPorts(2);
  const url = `http://127.0.0.1:${port}`;
  // -http-addr rather than -http-port: the latter binds every interface, we want loopback only. Its HTTPS
  // listener is moved off its fixed default (:12112) too, or two stripe-mocks on one machine collide.
  const server = await startLocalServer({
    name: 'stripe-mock',
    binary,
    args: ['-http-addr', `127.0.0.1:${port}`, '-https-addr', `127.0.0.1:${httpsPort}`],
    readyUrl: `${url}/v1/charges`,
    logFile: path.join(dataDir, 'test', 'stripe-mock.log'),
  });
  opts.log(`stripe-mock ${STRIPE_MOCK.version} on ${url}`);
  return { url, stop: () => server.stop() };
}
